using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Tells a dispatcher whether an attempt it is about to run is still waited for here: not if its
/// caller left or it was answered elsewhere while it waited on the queue. A redelivered attempt
/// (its first dispatcher died) is still waited for. The answer is sent beside the consumer (see
/// <see cref="DetachedSends"/>); a dispatcher that hears nothing in time runs the attempt.
/// </summary>
internal sealed class AttemptStillWantedConsumer(PendingAttempts pending, DetachedSends sends) : IConsumer<AttemptStillWanted>
{
    public Task Consume(ConsumeContext<AttemptStillWanted> context)
    {
        var (requestId, attempt) = (context.Message.RequestId, context.Message.Attempt);
        if (context.ResponseAddress is { } address)
        {
            sends.Respond(address, context.RequestId, new AttemptWanted(requestId, attempt, pending.IsWaitedFor(requestId, attempt)));
        }

        return Task.CompletedTask;
    }
}
