using RabbitMQ.Client.Exceptions;
using Serilog.Events;

namespace BrokerGateway.Hosting.Logging;

/// <summary>
/// MassTransit's log events that say, with a stack trace each, what the services already say in
/// one line of their own: a request refused because its endpoint's queue is full (a nack, which
/// MassTransit logs as <c>S-FAULT</c>; the caller gets <c>queue_full</c>), a send the service gave
/// up on itself or that the broker's closing connection cut off (its caller told, the broker lost:
/// also an <c>S-FAULT</c>, whose exception is the client's — closed, or interrupted as it tore down a
/// connection whose peer died; not a channel error the broker raised (403 to 406), which is a real
/// fault —, MassTransit's connection exception or a channel disposed under
/// the send, depending on where the connection was when it closed), a message whose acknowledgement or answer the closing connection
/// cut off (<c>Consumer Channel Shutdown</c> or <c>R-FAULT</c>: the broker hands the message on,
/// and the service has said in one line that it lost the connection), a message whose consumer
/// was cancelled as the closing connection stopped it (<c>T-FAULT</c> with the consumer's
/// <see cref="OperationCanceledException"/>: the message was not acknowledged, so the broker hands
/// it on, and a dispatcher that runs it again says so), and each failed attempt
/// to reconnect to a broker that is away (<c>Connection Failed</c>, every second or two while it
/// lasts; <see cref="Messaging.BrokerConnection"/> logs the loss and the return).
/// </summary>
internal static class BrokerNoise
{
    public static bool IsNoise(LogEvent e)
    {
        if (!e.Properties.TryGetValue("SourceContext", out var source) || source is not ScalarValue { Value: string context }
            || !context.StartsWith("MassTransit", StringComparison.Ordinal) || e.Exception is null)
        {
            return false;
        }

        var text = e.MessageTemplate.Text;
        return (text.StartsWith("S-FAULT", StringComparison.Ordinal)
                && Chain(e.Exception).Any(x => x is PublishException { IsReturn: false } or OperationCanceledException or AlreadyClosedException
                    or OperationInterruptedException { ShutdownReason.ReplyCode: not (403 or 404 or 405 or 406) } or MassTransit.RabbitMqConnectionException or ObjectDisposedException))
            || ((text.StartsWith("R-FAULT", StringComparison.Ordinal) || text.StartsWith("Consumer Channel Shutdown", StringComparison.Ordinal))
                && Chain(e.Exception).Any(x => x is AlreadyClosedException or OperationInterruptedException or IOException))
            || (text.StartsWith("T-FAULT", StringComparison.Ordinal) && e.Exception is OperationCanceledException)
            || (text.StartsWith("Connection Failed", StringComparison.Ordinal) && Chain(e.Exception).Any(x => x is BrokerUnreachableException or ConnectFailureException));
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
