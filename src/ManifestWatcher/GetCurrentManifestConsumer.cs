using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.ManifestWatcher;

/// <summary>Answers a service that starts late with the manifest the watcher holds.</summary>
internal sealed class GetCurrentManifestConsumer(WatcherState state) : IConsumer<GetCurrentManifest>
{
    public Task Consume(ConsumeContext<GetCurrentManifest> context) =>
        context.RespondAsync(new CurrentManifest(state.LastGood));
}
