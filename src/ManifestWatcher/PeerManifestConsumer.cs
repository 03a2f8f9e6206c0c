using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.ManifestWatcher;

/// <summary>
/// Hears the changes every watcher publishes (its own among them), so that a change another watcher
/// has published is not published again, and a start-up answer is never older than what was published.
/// </summary>
internal sealed class PeerManifestConsumer(WatcherState state) : IConsumer<ManifestChanged>
{
    public Task Consume(ConsumeContext<ManifestChanged> context)
    {
        state.TryTake(context.Message.Manifest, context.Message.ChangedAt, ownRead: false);
        return Task.CompletedTask;
    }
}
