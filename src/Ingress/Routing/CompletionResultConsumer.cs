using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Hands a dispatcher's answer to the request waiting for it; an answer nobody waits for any more is dropped.</summary>
internal sealed class CompletionResultConsumer(PendingAttempts pending) : IConsumer<CompletionResult>
{
    public Task Consume(ConsumeContext<CompletionResult> context)
    {
        pending.Complete(context.Message);
        return Task.CompletedTask;
    }
}
