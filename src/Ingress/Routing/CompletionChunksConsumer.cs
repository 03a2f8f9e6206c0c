using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The chunks of several streams in one message: each goes to the request waiting for it, as a
/// <see cref="CompletionChunk"/> alone would; the dispatcher of a stream nobody waits for any more
/// is told to abort it (beside the consumer, see <see cref="DetachedSends"/>).
/// </summary>
internal sealed class CompletionChunksConsumer(PendingAttempts pending, DetachedSends sends) : IConsumer<CompletionChunks>
{
    public Task Consume(ConsumeContext<CompletionChunks> context)
    {
        foreach (var chunk in context.Message.Chunks)
        {
            if (!pending.Chunk(chunk) && chunk.DispatcherAddress is { } dispatcherAddress)
            {
                sends.Cancel(dispatcherAddress, chunk.RequestId, chunk.Attempt);
            }
        }

        return Task.CompletedTask;
    }
}
