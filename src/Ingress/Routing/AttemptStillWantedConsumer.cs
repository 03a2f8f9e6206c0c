using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Tells a dispatcher whether an attempt it is about to run is still waited for here: not if its
/// caller left or it was answered elsewhere while it waited on the queue. A redelivered attempt
/// (its first dispatcher died) is still waited for.
/// </summary>
internal sealed class AttemptStillWantedConsumer(PendingAttempts pending) : IConsumer<AttemptStillWanted>
{
    public Task Consume(ConsumeContext<AttemptStillWanted> context)
    {
        var (requestId, attempt) = (context.Message.RequestId, context.Message.Attempt);
        return context.RespondAsync(new AttemptWanted(requestId, attempt, pending.IsWaitedFor(requestId, attempt)));
    }
}
