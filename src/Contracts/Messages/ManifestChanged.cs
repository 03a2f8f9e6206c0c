using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Published by a manifest watcher when the set of valid entries changed. <see cref="ChangedAt"/>
/// is when the read that found the new manifest began: with several watchers (a rolling restart,
/// a replica too many) it orders their manifests, and every process keeps the newest it has seen.
/// </summary>
public sealed record ManifestChanged(StatusManifest Manifest, DateTimeOffset ChangedAt);
