using System.Collections.Concurrent;
using System.Threading.Channels;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Sends the chunks of every stream this dispatcher relays to one ingress together: one lane per
/// ingress, whose pump sends what is waiting as one <see cref="CompletionChunks"/> message, then
/// what came meanwhile as the next. An idle lane sends a chunk at once; under load, hundreds of
/// streams share a message instead of each event costing one on the broker and at both ends.
/// Each stream has at most one chunk waiting (its <see cref="ChunkSender"/> waits for it), so a
/// lane holds no backlog of its own; a lane idle for a minute goes away.
/// </summary>
internal sealed class ChunkOutbox(IBus bus, BrokerConnection broker)
{
    private readonly IBus _bus = bus;
    private readonly BrokerConnection _broker = broker;

    /// <summary>The most chunks one message carries.</summary>
    public const int MaxChunks = 256;

    /// <summary>
    /// The event text (in characters) after which a message takes no more chunks: it keeps an
    /// ordinary message — ASCII JSON events, escaped, with the envelope — below the runtime's
    /// large-object threshold of 85,000 bytes at both ends (text that escapes to several bytes per
    /// character, and the one chunk past the mark, can still exceed it; that is rare and costs only
    /// a large allocation). At 500 streams at once, 256 K characters gave a gen 2 collection
    /// 1.3 times a second and 19 MB of live large objects in a standalone gateway; 24 K gave 0.3
    /// and 2 MB.
    /// </summary>
    public const int MaxChars = 24 * 1024;

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleLane = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Uri, Lane> _lanes = new();

    /// <summary>Sends a chunk to the ingress at <paramref name="ingress"/>; completes once the broker has it, faults if it cannot be sent.</summary>
    public Task SendAsync(Uri ingress, CompletionChunk chunk, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var pending = new Pending(chunk, timeToLive);
        Enqueue(ingress, pending);
        return pending.Sent.Task.WaitAsync(cancellationToken);
    }

    private void Enqueue(Uri ingress, Pending pending)
    {
        while (true)
        {
            var lane = _lanes.GetOrAdd(ingress, static (address, outbox) => new Lane(outbox, address), this);
            if (lane.TryAdd(pending))
            {
                return;
            }

            // The lane was going away for idleness just now: another takes its place.
            _lanes.TryRemove(new KeyValuePair<Uri, Lane>(ingress, lane));
        }
    }

    private sealed record Pending(CompletionChunk Chunk, TimeSpan TimeToLive)
    {
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Chars => Chunk.Events.Sum(e => e.Length);
    }

    private sealed class Lane
    {
        private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ChunkOutbox _outbox;
        private readonly Uri _address;

        public Lane(ChunkOutbox outbox, Uri address)
        {
            _outbox = outbox;
            _address = address;
            _ = Task.Run(PumpAsync);
        }

        public bool TryAdd(Pending pending) => _queue.Writer.TryWrite(pending);

        private async Task PumpAsync()
        {
            try
            {
                var endpoint = await _outbox._bus.GetSendEndpoint(_address);
                var batch = new List<Pending>();
                while (await WaitAsync())
                {
                    var chars = 0;
                    while (batch.Count < MaxChunks && chars < MaxChars && _queue.Reader.TryRead(out var pending))
                    {
                        batch.Add(pending);
                        chars += pending.Chars;
                    }

                    await SendAsync(endpoint, batch);
                    batch.Clear();
                }
            }
            catch (Exception ex)
            {
                // The lane cannot send at all (no send endpoint for that address): what waits fails,
                // and the next chunk for that ingress starts a fresh lane instead of waiting forever.
                _queue.Writer.TryComplete();
                _outbox._lanes.TryRemove(new KeyValuePair<Uri, Lane>(_address, this));
                while (_queue.Reader.TryRead(out var left))
                {
                    left.Sent.TrySetException(ex);
                }
            }
        }

        /// <summary>Waits for chunks; after a minute without any, closes the lane (what raced in goes to its successor).</summary>
        private async Task<bool> WaitAsync()
        {
            using var idle = new CancellationTokenSource(IdleLane);
            try
            {
                return await _queue.Reader.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException)
            {
                _queue.Writer.TryComplete();
                _outbox._lanes.TryRemove(new KeyValuePair<Uri, Lane>(_address, this));
                while (_queue.Reader.TryRead(out var late))
                {
                    _outbox.Enqueue(_address, late);
                }

                return false;
            }
        }

        private async Task SendAsync(ISendEndpoint endpoint, List<Pending> batch)
        {
            // A chunk nobody takes within its stream's idle timeout (its ingress is gone) expires on the broker.
            var timeToLive = batch.Max(p => p.TimeToLive);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_outbox._broker.Losing);
            timeout.CancelAfter(SendTimeout);
            try
            {
                await endpoint.Send(new CompletionChunks([.. batch.Select(p => p.Chunk)]), context =>
                {
                    context.Durable = false;
                    context.TimeToLive = timeToLive;
                }, timeout.Token);
                foreach (var pending in batch)
                {
                    pending.Sent.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // Broker trouble, a timeout, or anything else: each stream's sender hears of it and
                // ends its stream; the lane goes on with the next batch.
                foreach (var pending in batch)
                {
                    pending.Sent.TrySetException(ex);
                }
            }
        }
    }
}
