using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// A dispatcher took an attempt. If nobody waits for it any more — the caller left, or this ingress
/// already moved on to another endpoint — the dispatcher is told at once to abort it, so one
/// request never keeps two upstream calls running.
/// </summary>
internal sealed class CompletionAcceptedConsumer(PendingAttempts pending, AttemptSender sender) : IConsumer<CompletionAccepted>
{
    public async Task Consume(ConsumeContext<CompletionAccepted> context)
    {
        if (!pending.Accept(context.Message))
        {
            await sender.CancelAsync(context.Message, context.CancellationToken);
        }
    }
}
