using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// What the consumers of this ingress's own queue send back to dispatchers — "abort that attempt,
/// nobody waits for it", "yes, that attempt is still wanted" — sent beside the consumer, never
/// awaited by it. A consumer that waits on the broker keeps the queue's receive endpoint from
/// completing when the connection dies: RabbitMQ's client can leave a send on a dead connection
/// hanging until its heartbeat gives up (20 s and more), and the loss that should end every request
/// in flight at once (<see cref="BrokerConnection.Lost"/>) is seen only then. Each send has a
/// deadline of its own and gives up at the loss; one that fails is said at Debug: the dispatcher's
/// own deadlines end what it was about.
/// </summary>
internal sealed partial class DetachedSends(IBus bus, BrokerConnection broker, ILogger<DetachedSends> logger)
{
    /// <summary>The longest one of these sends may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Tells the dispatcher at <paramref name="dispatcher"/> to abort an attempt nobody waits for any more.</summary>
    public void Cancel(Uri dispatcher, Guid requestId, int attempt) =>
        _ = SendAsync(dispatcher, new CancelCompletion(requestId, attempt), null, requestId, attempt);

    /// <summary>Answers a dispatcher's <see cref="AttemptStillWanted"/> at the address it asked from, as a response to its request.</summary>
    public void Respond(Uri responseAddress, Guid? requestMessageId, AttemptWanted answer) =>
        _ = SendAsync(responseAddress, answer, requestMessageId, answer.RequestId, answer.Attempt);

    private async Task SendAsync<T>(Uri address, T message, Guid? respondingTo, Guid requestId, int attempt)
        where T : class
    {
        if (!broker.IsUp)
        {
            LogNotSent(logger, typeof(T).Name, requestId, attempt, "the connection is lost");
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(broker.Losing);
        timeout.CancelAfter(Timeout);
        try
        {
            var endpoint = await bus.GetSendEndpoint(address);
            await endpoint.Send(message, context => context.RequestId = respondingTo, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            var reason = ex.GetType().Name;
            LogNotSent(logger, typeof(T).Name, requestId, attempt, reason);
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt}: its {Message} could not be sent to the dispatcher ({Reason})")]
    private static partial void LogNotSent(ILogger logger, string message, Guid requestId, int attempt, string reason);
}
