using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

internal sealed class DispatcherHeartbeatConsumer(DispatcherRegistry registry) : IConsumer<DispatcherHeartbeat>
{
    public Task Consume(ConsumeContext<DispatcherHeartbeat> context)
    {
        registry.Record(context.Message);
        return Task.CompletedTask;
    }
}
