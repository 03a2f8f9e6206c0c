using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// What the consumers of this ingress's own queue send back to dispatchers — "abort that attempt,
/// nobody waits for it", "yes, that attempt is still wanted" — sent beside the consumer, never
/// awaited by it (see <see cref="BesideConsumer"/>: a consumer waiting on the broker hides the
/// connection's loss, which must end every request in flight at once). One that cannot be sent is
/// said at Debug: the dispatcher's own deadlines end what it was about.
/// </summary>
internal sealed partial class DetachedSends(AttemptSender sender, IBus bus, BrokerConnection broker, ILogger<DetachedSends> logger)
{
    /// <summary>The longest one of these sends may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Tells the dispatcher at <paramref name="dispatcher"/> to abort an attempt nobody waits for any more.</summary>
    public void Cancel(Uri dispatcher, Guid requestId, int attempt) =>
        BesideConsumer.Start(
            broker, Timeout, token => sender.CancelAsync(dispatcher, requestId, attempt, token),
            reason => LogNotSent(logger, nameof(CancelCompletion), requestId, attempt, reason), logger);

    /// <summary>Answers a dispatcher's <see cref="AttemptStillWanted"/> at the address it asked from, as a response to its request.</summary>
    public void Respond(Uri responseAddress, Guid? requestMessageId, AttemptWanted answer) =>
        BesideConsumer.Start(
            broker, Timeout, async token =>
            {
                var endpoint = await bus.GetSendEndpoint(responseAddress);
                await endpoint.Send(answer, context => context.RequestId = requestMessageId, token);
            },
            reason => LogNotSent(logger, nameof(AttemptWanted), answer.RequestId, answer.Attempt, reason), logger);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt}: its {Message} could not be sent to the dispatcher ({Reason})")]
    private static partial void LogNotSent(ILogger logger, string message, Guid requestId, int attempt, string reason);
}
