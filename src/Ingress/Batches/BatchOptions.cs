using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Batches;

/// <summary>Batch jobs (section <c>Batches</c>).</summary>
internal sealed class BatchOptions
{
    public const string Section = "Batches";

    /// <summary>Batches one user may have unfinished at once; one more gets 429.</summary>
    [Range(1, 10_000, ErrorMessage = "Batches:MaxActivePerUser: must be from 1 to 10000")]
    public int MaxActivePerUser { get; set; } = 10;

    /// <summary>The most requests one batch may hold.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Batches:MaxLines: must be from 1 to 10000000")]
    public int MaxLines { get; set; } = 50_000;

    /// <summary>Batches one ingress works on at once, each with its own lease.</summary>
    [Range(1, 64, ErrorMessage = "Batches:ParallelBatches: must be from 1 to 64")]
    public int ParallelBatches { get; set; } = 4;

    /// <summary>Lines of one batch in flight at once from one ingress.</summary>
    [Range(1, 10_000, ErrorMessage = "Batches:Concurrency: must be from 1 to 10000")]
    public int Concurrency { get; set; } = 16;

    /// <summary>
    /// Lines one ingress starts per second at most, over all its batches (0: no pace). Batch work
    /// that saturates the machine would slow interactive callers down; the pace keeps room for them.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "Batches:MaxLinesPerSecond: must be from 0 to 1000000")]
    public int MaxLinesPerSecond { get; set; } = 1200;

    /// <summary>How long an ingress holds a batch before another may take it over (it renews the hold while it works).</summary>
    [Range(5, 3600, ErrorMessage = "Batches:LeaseSeconds: must be from 5 to 3600")]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// How long a batch has to complete once created (callers ask for <c>"24h"</c>, the only window
    /// OpenAI's API knows); what is not done by then is reported as expired.
    /// </summary>
    [Range(1, 604_800, ErrorMessage = "Batches:CompletionWindowSeconds: must be from 1 to 604800")]
    public int CompletionWindowSeconds { get; set; } = 86_400;

    /// <summary>How long one line may take, all attempts together.</summary>
    [Range(1, 86400, ErrorMessage = "Batches:LineTimeoutSeconds: must be from 1 to 86400")]
    public int LineTimeoutSeconds { get; set; } = 600;
}
