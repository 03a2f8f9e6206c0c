using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Usage;

/// <summary>How usage records are written (section <c>Usage</c>; where the database is: <see cref="Database.DatabaseOptions"/>).</summary>
internal sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>Whether requests are recorded at all (off only to measure what recording costs).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Records written in one transaction at most.</summary>
    [Range(1, 100_000, ErrorMessage = "Usage:BatchSize: must be from 1 to 100000")]
    public int BatchSize { get; set; } = 500;

    /// <summary>How long records gather before a batch is written (unless the batch fills first).</summary>
    [Range(0, 60_000, ErrorMessage = "Usage:FlushMilliseconds: must be from 0 to 60000")]
    public int FlushMilliseconds { get; set; } = 200;

    /// <summary>Records waiting to be written at most; past it the request path never blocks, and the overflow is counted and logged.</summary>
    [Range(100, 10_000_000, ErrorMessage = "Usage:QueueCapacity: must be from 100 to 10000000")]
    public int QueueCapacity { get; set; } = 100_000;
}
