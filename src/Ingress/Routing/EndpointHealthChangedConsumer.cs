using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Learns cooldowns and recoveries that other ingress replicas saw.</summary>
internal sealed class EndpointHealthChangedConsumer(EndpointHealth health) : IConsumer<EndpointHealthChanged>
{
    public Task Consume(ConsumeContext<EndpointHealthChanged> context)
    {
        health.Apply(context.Message);
        return Task.CompletedTask;
    }
}
