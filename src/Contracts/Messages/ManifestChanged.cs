using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Contracts.Messages;

/// <summary>Published by the manifest watcher whenever the set of valid entries changes.</summary>
public sealed record ManifestChanged(StatusManifest Manifest, DateTimeOffset ChangedAt);
