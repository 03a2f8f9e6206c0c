using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>At start, asks every running dispatcher to announce itself instead of waiting for its next heartbeat.</summary>
internal sealed class DispatcherDiscovery(IBus bus, BusStarted busStarted) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await busStarted.WaitAsync(stoppingToken);
        await bus.Publish(new DispatcherAnnouncementRequested(Environment.MachineName), stoppingToken);
    }
}
