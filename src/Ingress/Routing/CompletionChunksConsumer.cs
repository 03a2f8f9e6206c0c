using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The chunks of several streams in one message: each goes to the request waiting for it, as a
/// <see cref="CompletionChunk"/> alone would; the dispatcher of a stream nobody waits for any more
/// is told to abort it.
/// </summary>
internal sealed partial class CompletionChunksConsumer(PendingAttempts pending, AttemptSender sender, ILogger<CompletionChunksConsumer> logger) : IConsumer<CompletionChunks>
{
    public async Task Consume(ConsumeContext<CompletionChunks> context)
    {
        // Every stream's chunks first: telling one stream's dispatcher to stop must not hold up the others.
        List<(Uri Dispatcher, CancelCompletion Cancel)>? unwanted = null;
        foreach (var chunk in context.Message.Chunks)
        {
            if (!pending.Chunk(chunk) && chunk.DispatcherAddress is { } dispatcherAddress)
            {
                (unwanted ??= []).Add((dispatcherAddress, new CancelCompletion(chunk.RequestId, chunk.Attempt)));
            }
        }

        foreach (var (address, cancel) in unwanted ?? [])
        {
            try
            {
                await sender.CancelAsync(address, cancel.RequestId, cancel.Attempt, context.CancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
            {
                // The dispatcher's own deadline ends that stream; the chunks of the others are delivered.
                var reason = ex.GetType().Name;
                LogCancelNotSent(logger, cancel.RequestId, cancel.Attempt, reason);
            }
        }
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt}: could not tell its dispatcher to stop the stream nobody reads ({Reason})")]
    private static partial void LogCancelNotSent(ILogger logger, Guid requestId, int attempt, string reason);
}
