namespace BrokerGateway.Contracts.Messages;

/// <summary>Published by an ingress at start: every dispatcher answers with a <see cref="DispatcherHeartbeat"/>.</summary>
public sealed record DispatcherAnnouncementRequested(string RequestedBy);
