using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Learns that RabbitMQ refused an attempt's message — a negative publisher confirm, which an
/// endpoint queue at its bound (<c>x-overflow: reject-publish</c>) answers with — and gives up its
/// send at once. MassTransit would otherwise retry the refusal until the send's own timeout, and the
/// caller would wait for nothing.
/// </summary>
internal sealed class QueueFullObserver(PendingAttempts pending) : ISendObserver
{
    public Task PreSend<T>(SendContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context)
        where T : class => Task.CompletedTask;

    public Task SendFault<T>(SendContext<T> context, Exception exception)
        where T : class
    {
        if (context.Message is SubmitCompletion attempt && IsRefusal(exception))
        {
            pending.RejectSend(attempt.RequestId, attempt.Attempt);
        }

        return Task.CompletedTask;
    }

    private static bool IsRefusal(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RabbitMQ.Client.Exceptions.PublishException { IsReturn: false })
            {
                return true;
            }
        }

        return false;
    }
}
