using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// An ingress that just started asks; this dispatcher answers with a heartbeat at once — beside the
/// consumer, not awaited by it (see <see cref="BesideConsumer"/>: a consumer of this dispatcher's own
/// queue waiting on the broker hides the connection's loss). A heartbeat that cannot be published
/// is left to the periodic one, due within the heartbeat interval.
/// </summary>
internal sealed class DispatcherAnnouncementRequestedConsumer(DispatcherAnnouncer announcer, BrokerConnection broker, ILogger<DispatcherAnnouncementRequestedConsumer> logger)
    : IConsumer<DispatcherAnnouncementRequested>
{
    /// <summary>The longest the answering heartbeat may take to publish.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public Task Consume(ConsumeContext<DispatcherAnnouncementRequested> context)
    {
        BesideConsumer.Start(broker, Timeout, announcer.AnnounceAsync, static _ => { }, logger);
        return Task.CompletedTask;
    }
}
