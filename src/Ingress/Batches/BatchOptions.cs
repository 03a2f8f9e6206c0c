using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Batches;

/// <summary>Batch jobs (section <c>Batches</c>).</summary>
public sealed class BatchOptions
{
    public const string Section = "Batches";

    /// <summary>Batches one user may have unfinished at once; one more gets 429.</summary>
    [Range(1, 10_000, ErrorMessage = "Batches:MaxActivePerUser: must be from 1 to 10000")]
    public int MaxActivePerUser { get; set; } = 10;

    /// <summary>The most requests one batch may hold.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Batches:MaxLines: must be from 1 to 10000000")]
    public int MaxLines { get; set; } = 50_000;

    /// <summary>Lines of one batch in flight at once from one ingress.</summary>
    [Range(1, 10_000, ErrorMessage = "Batches:Concurrency: must be from 1 to 10000")]
    public int Concurrency { get; set; } = 16;

    /// <summary>How long an ingress holds a batch before another may take it over (it renews the hold while it works).</summary>
    [Range(5, 3600, ErrorMessage = "Batches:LeaseSeconds: must be from 5 to 3600")]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How long one line may take, all attempts together.</summary>
    [Range(1, 86400, ErrorMessage = "Batches:LineTimeoutSeconds: must be from 1 to 86400")]
    public int LineTimeoutSeconds { get; set; } = 600;
}
