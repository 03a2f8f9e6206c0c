using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Routing;

internal enum BalancingStrategy
{
    /// <summary>Each request starts at the next endpoint in turn.</summary>
    RoundRobin,

    /// <summary>Each request starts at the endpoint with the fewest requests in flight from this ingress.</summary>
    LeastOutstanding,

    /// <summary>Each request starts at an endpoint drawn in proportion to its manifest <c>weight</c>.</summary>
    Weighted,
}

/// <summary>Load balancing, failover and cooldown (section <c>Routing</c>).</summary>
internal sealed class RoutingOptions : IValidatableObject
{
    public const string Section = "Routing";

    public BalancingStrategy Strategy { get; set; } = BalancingStrategy.RoundRobin;

    /// <summary>How long one endpoint gets to answer before the attempt is aborted.</summary>
    [Range(1, 3600, ErrorMessage = "Routing:AttemptTimeoutSeconds: must be from 1 to 3600")]
    public int AttemptTimeoutSeconds { get; set; } = 60;

    /// <summary>Whether an attempt that timed out is tried elsewhere; off for deployments that would rather not risk paying twice.</summary>
    public bool FailoverOnAttemptTimeout { get; set; } = true;

    /// <summary>
    /// How often the broker is asked who consumes each endpoint's queue and how many requests wait
    /// in it, and whether the dispatchers holding requests are still there: how soon a request
    /// waiting for a dispatcher that died learns of it.
    /// </summary>
    [Range(100, 60_000, ErrorMessage = "Routing:QueueCheckMilliseconds: must be from 100 to 60000")]
    public int QueueCheckMilliseconds { get; set; } = 1000;

    /// <summary>
    /// The same for a batch line, which waits its turn behind the other lines on the endpoint's
    /// batch queue; a batch line not taken in time is tried again later, and says nothing against the endpoint.
    /// </summary>
    [Range(1, 86400, ErrorMessage = "Routing:BatchAcceptanceTimeoutSeconds: must be from 1 to 86400")]
    public int BatchAcceptanceTimeoutSeconds { get; set; } = 300;

    /// <summary>Consecutive retryable failures that take an endpoint out of rotation.</summary>
    [Range(1, 1000, ErrorMessage = "Routing:FailuresBeforeCooldown: must be from 1 to 1000")]
    public int FailuresBeforeCooldown { get; set; } = 3;

    /// <summary>The first cooldown; it doubles each time the endpoint fails again after it, up to <see cref="MaxCooldownSeconds"/>.</summary>
    [Range(1, 86400, ErrorMessage = "Routing:CooldownSeconds: must be from 1 to 86400")]
    public int CooldownSeconds { get; set; } = 30;

    [Range(1, 86400, ErrorMessage = "Routing:MaxCooldownSeconds: must be from 1 to 86400")]
    public int MaxCooldownSeconds { get; set; } = 300;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CooldownSeconds > MaxCooldownSeconds)
        {
            yield return new ValidationResult(
                $"Routing:CooldownSeconds: {CooldownSeconds} is longer than Routing:MaxCooldownSeconds ({MaxCooldownSeconds}); raise the maximum or lower the first cooldown",
                [nameof(CooldownSeconds)]);
        }
    }
}
