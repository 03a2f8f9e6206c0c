using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Contracts.Messages;

/// <summary>The watcher's answer to <see cref="GetCurrentManifest"/>; <see cref="Manifest"/> is null until a first manifest was read.</summary>
public sealed record CurrentManifest(StatusManifest? Manifest);
