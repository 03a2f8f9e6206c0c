using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Published by a manifest watcher when the set of valid entries changed. <see cref="ChangedAt"/>
/// is the manifest's version: when its source last modified it, if the source says (a file's
/// modification time, HTTP <c>Last-Modified</c>), else when the watcher's read that found it began.
/// With several watchers (a rolling restart, a replica too many) it orders their manifests, and
/// every process keeps the newest it has seen.
/// </summary>
public sealed record ManifestChanged(StatusManifest Manifest, DateTimeOffset ChangedAt);
