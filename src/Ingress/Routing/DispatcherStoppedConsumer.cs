using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

internal sealed class DispatcherStoppedConsumer(DispatcherRegistry registry) : IConsumer<DispatcherStopped>
{
    public Task Consume(ConsumeContext<DispatcherStopped> context)
    {
        registry.Remove(context.Message.DispatcherId);
        return Task.CompletedTask;
    }
}
