namespace BrokerGateway.Contracts.Messages;

/// <summary>Asks the manifest watcher for the manifest it holds now; sent by a service at start.</summary>
public sealed record GetCurrentManifest(string RequestedBy);
