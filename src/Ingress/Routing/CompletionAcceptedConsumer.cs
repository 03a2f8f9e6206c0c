using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// A dispatcher took an attempt. If nobody waits for it any more — the caller left, or this ingress
/// already moved on to another endpoint — the dispatcher is told at once to abort it, so one
/// request never keeps two upstream calls running. Said beside the consumer, not awaited by it
/// (see <see cref="DetachedSends"/>).
/// </summary>
internal sealed class CompletionAcceptedConsumer(PendingAttempts pending, DetachedSends sends) : IConsumer<CompletionAccepted>
{
    public Task Consume(ConsumeContext<CompletionAccepted> context)
    {
        var accepted = context.Message;
        if (!pending.Accept(accepted))
        {
            sends.Cancel(accepted.DispatcherAddress, accepted.RequestId, accepted.Attempt);
        }

        return Task.CompletedTask;
    }
}
