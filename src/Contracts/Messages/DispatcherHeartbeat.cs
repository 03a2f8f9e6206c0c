namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Published by each dispatcher at start, periodically, and when asked: the endpoint ids whose
/// queues it consumes. Valid until <see cref="At"/> + <see cref="ValidFor"/>.
/// </summary>
public sealed record DispatcherHeartbeat(string DispatcherId, IReadOnlyList<string> EndpointIds, DateTimeOffset At, TimeSpan ValidFor);
