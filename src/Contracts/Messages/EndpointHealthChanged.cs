namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// An ingress took an endpoint out of rotation (<see cref="CoolingUntil"/> set) or put it back
/// (null), so that every ingress replica routes alike. <see cref="Trips"/> carries how often it was
/// cooled down in a row (the next cooldown doubles from it); a report older than what a replica
/// already knows is ignored.
/// </summary>
public sealed record EndpointHealthChanged(
    string EndpointId,
    DateTimeOffset? CoolingUntil,
    int ConsecutiveFailures,
    int Trips,
    string? LastErrorKind,
    string ReportedBy,
    DateTimeOffset ChangedAt);
