using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// The watcher's answer to <see cref="GetCurrentManifest"/>; <see cref="Manifest"/> is null until a
/// first manifest was read. <see cref="Version"/>: its version (as <see cref="ManifestChanged.ChangedAt"/>);
/// null from a watcher of an earlier version.
/// </summary>
public sealed record CurrentManifest(StatusManifest? Manifest, DateTimeOffset? Version = null);
