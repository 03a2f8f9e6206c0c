using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// An ingress that just started asks; this dispatcher answers with a heartbeat at once — beside the
/// consumer, not awaited by it: a consumer of this dispatcher's own queue that waits on the broker
/// keeps the queue's endpoint from completing when the connection dies, and so hides the loss (see
/// the ingress's <c>DetachedSends</c>). A heartbeat that cannot be published is left to the next
/// one, due within the heartbeat interval.
/// </summary>
internal sealed class DispatcherAnnouncementRequestedConsumer(DispatcherAnnouncer announcer) : IConsumer<DispatcherAnnouncementRequested>
{
    /// <summary>The longest the answering heartbeat may take to publish.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public Task Consume(ConsumeContext<DispatcherAnnouncementRequested> context)
    {
        _ = AnnounceAsync();
        return Task.CompletedTask;
    }

    private async Task AnnounceAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await announcer.AnnounceAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            // The periodic heartbeat says the same shortly.
        }
    }
}
