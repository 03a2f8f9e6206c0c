namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// How a request is routed and accounted, as one value instead of a flag asked at every turn: an
/// interactive request waits on its endpoint's interactive queue for as long as its deadline
/// allows, may carry an endpoint's recovery probe, and a full attempt window that expires counts
/// against the endpoint; a batch line goes to the batch queue, is offered for a short acceptance
/// window (then tried again later), never probes, and its slowness says nothing about an endpoint.
/// </summary>
internal sealed record RequestPolicy
{
    /// <summary>A caller waits for the answer.</summary>
    public static readonly RequestPolicy Interactive = new()
    {
        Name = "interactive",
        UsesBatchQueue = false,
        WaitsWholeDeadline = true,
        MayProbe = true,
        TimeoutsCountAgainstEndpoint = true,
        RunsAgainLater = false,
    };

    /// <summary>A line of a batch job: nobody waits on it, and what says nothing about the line is tried again later.</summary>
    public static readonly RequestPolicy Batch = new()
    {
        Name = "batch",
        UsesBatchQueue = true,
        WaitsWholeDeadline = false,
        MayProbe = false,
        TimeoutsCountAgainstEndpoint = false,
        RunsAgainLater = true,
    };

    /// <summary>What usage, logs and metrics call requests of this policy.</summary>
    public required string Name { get; init; }

    /// <summary>Sent to the endpoint's batch queue (durable, not counted against the interactive queue's bound) rather than its interactive one.</summary>
    public required bool UsesBatchQueue { get; init; }

    /// <summary>Waits on a busy queue until the request's deadline; otherwise only for <see cref="RoutingOptions.BatchAcceptanceTimeoutSeconds"/>.</summary>
    public required bool WaitsWholeDeadline { get; init; }

    /// <summary>May be the request that tries a cooled-down endpoint again; otherwise only healthy endpoints are tried.</summary>
    public required bool MayProbe { get; init; }

    /// <summary>An attempt whose whole window expires counts against the endpoint's health.</summary>
    public required bool TimeoutsCountAgainstEndpoint { get; init; }

    /// <summary>
    /// A run that ends without a result (cancelled, refused for a reason that says nothing about the
    /// request) is run again later: its end is not recorded as the request's.
    /// </summary>
    public required bool RunsAgainLater { get; init; }
}
