using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.ManifestWatcher;

/// <summary>Answers a service that starts late with the newest manifest the watcher knows, and its version.</summary>
internal sealed class GetCurrentManifestConsumer(WatcherState state) : IConsumer<GetCurrentManifest>
{
    public Task Consume(ConsumeContext<GetCurrentManifest> context) =>
        context.RespondAsync(state.Latest is { } latest ? new CurrentManifest(latest.Manifest, latest.Version) : new CurrentManifest(null));
}
