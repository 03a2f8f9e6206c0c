using MassTransit;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher;

/// <summary>Endpoint policy for the endpoint queues: how many requests run at once and the broker prefetch. No retries: POSTs are not replayed.</summary>
internal sealed class SubmitCompletionConsumerDefinition : ConsumerDefinition<SubmitCompletionConsumer>
{
    private readonly int _concurrency;

    public SubmitCompletionConsumerDefinition(IOptions<DispatcherOptions> options)
    {
        _concurrency = options.Value.Concurrency;
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SubmitCompletionConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _concurrency;
        endpointConfigurator.ConcurrentMessageLimit = _concurrency;
    }
}
