namespace BrokerGateway.Contracts.Messages;

/// <summary>Published by a dispatcher that shuts down gracefully, so ingresses stop counting on it at once.</summary>
public sealed record DispatcherStopped(string DispatcherId);
