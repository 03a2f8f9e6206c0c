namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Published by each dispatcher at start, periodically, and when asked: the endpoint ids whose
/// queues it consumes, and how many upstream calls it has in flight for each (endpoints with none
/// left out; null from a dispatcher of an earlier version). Valid until <see cref="At"/> + <see cref="ValidFor"/>.
/// </summary>
public sealed record DispatcherHeartbeat(string DispatcherId, IReadOnlyList<string> EndpointIds, DateTimeOffset At, TimeSpan ValidFor, IReadOnlyDictionary<string, int>? Calls = null);
