using BrokerGateway.Contracts.Messages;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Hands a chunk of a streamed answer to the request waiting for it. A stream nobody waits for any
/// more is stopped at its first chunk: the dispatcher is told to abort the upstream call (beside
/// the consumer, see <see cref="DetachedSends"/>).
/// </summary>
internal sealed class CompletionChunkConsumer(PendingAttempts pending, DetachedSends sends) : IConsumer<CompletionChunk>
{
    public Task Consume(ConsumeContext<CompletionChunk> context)
    {
        var chunk = context.Message;
        if (!pending.Chunk(chunk) && chunk.DispatcherAddress is { } dispatcherAddress)
        {
            sends.Cancel(dispatcherAddress, chunk.RequestId, chunk.Attempt);
        }

        return Task.CompletedTask;
    }
}
