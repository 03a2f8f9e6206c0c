using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>An ingress that just started asks; this dispatcher answers with a heartbeat at once.</summary>
internal sealed class DispatcherAnnouncementRequestedConsumer(DispatcherAnnouncer announcer) : IConsumer<DispatcherAnnouncementRequested>
{
    public Task Consume(ConsumeContext<DispatcherAnnouncementRequested> context) =>
        announcer.AnnounceAsync(context.CancellationToken);
}
