using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The chunks of several streams in one message: each goes to the request waiting for it, as a
/// <see cref="CompletionChunk"/> alone would; the dispatcher of a stream nobody waits for any more
/// is told to abort it.
/// </summary>
public sealed class CompletionChunksConsumer(PendingAttempts pending) : IConsumer<CompletionChunks>
{
    public async Task Consume(ConsumeContext<CompletionChunks> context)
    {
        foreach (var chunk in context.Message.Chunks)
        {
            if (!pending.Chunk(chunk) && chunk.DispatcherAddress is { } dispatcherAddress)
            {
                var dispatcher = await context.GetSendEndpoint(dispatcherAddress);
                await dispatcher.Send(new CancelCompletion(chunk.RequestId, chunk.Attempt), context.CancellationToken);
            }
        }
    }
}
