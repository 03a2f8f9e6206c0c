using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Endpoints;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// Aborts the upstream call of an attempt whose caller went away or whose ingress gave up on it, or
/// remembers the cancellation of one not taken yet (see <see cref="InFlightCalls"/>).
/// </summary>
internal sealed partial class CancelCompletionConsumer(InFlightCalls calls, ILogger<CancelCompletionConsumer> logger) : IConsumer<CancelCompletion>
{
    public Task Consume(ConsumeContext<CancelCompletion> context)
    {
        if (calls.Cancel(context.Message.RequestId, context.Message.Attempt, context.Message.Until))
        {
            LogCancelled(logger, context.Message.RequestId, context.Message.Attempt);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} cancelled: aborting its upstream call")]
    private static partial void LogCancelled(ILogger logger, Guid requestId, int attempt);
}
