using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// A dispatcher's consumer failed on an attempt (the fault comes to the response address): the
/// attempt ends at once as a retryable failure instead of waiting out its timeout.
/// </summary>
internal sealed class CompletionFaultConsumer(PendingAttempts pending) : IConsumer<Fault<SubmitCompletion>>
{
    public Task Consume(ConsumeContext<Fault<SubmitCompletion>> context)
    {
        var attempt = context.Message.Message;
        pending.Complete(new CompletionResult(
            attempt.RequestId, attempt.Attempt, attempt.EndpointId, CompletionOutcome.Unreachable, 0, string.Empty, "the dispatcher failed while handling the attempt"));
        return Task.CompletedTask;
    }
}
