namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// An ingress took an endpoint out of rotation (<see cref="CoolingUntil"/> set) or put it back
/// (null), so that every ingress replica routes alike.
/// </summary>
public sealed record EndpointHealthChanged(string EndpointId, DateTimeOffset? CoolingUntil, int ConsecutiveFailures, string? LastErrorKind, string ReportedBy);
