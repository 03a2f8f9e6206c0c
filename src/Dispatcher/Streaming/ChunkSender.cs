using System.Threading.Channels;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Sends a stream's events to the ingress that holds the caller, as numbered
/// <see cref="CompletionChunk"/>s (through the <see cref="ChunkOutbox"/>, which sends the chunks of
/// all streams to one ingress together). The first event goes out at once, on the reading
/// thread; events that arrive while a chunk is on its way are sent together in the next, so a fast upstream costs few
/// chunks and a slow one adds no delay. The queue between reading and sending is bounded: when
/// the broker is slower than the upstream, reading waits — the dispatcher never holds a backlog.
/// </summary>
internal sealed class ChunkSender : IAsyncDisposable
{
    /// <summary>Events waiting to be sent at most; past it, the upstream is not read until they are.</summary>
    public const int Capacity = 256;

    /// <summary>The event text after which a chunk takes no more events (below the large-object threshold, as <see cref="ChunkOutbox.MaxChars"/>).</summary>
    public const int MaxMessageChars = 16 * 1024;

    private readonly Channel<string> _events = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly ChunkOutbox _outbox;
    private readonly Uri _ingress;
    private readonly TimeSpan _timeToLive;
    private readonly SubmitCompletion _request;
    private readonly string _dispatcherId;
    private readonly Uri _dispatcherAddress;
    private readonly CancellationToken _cancellationToken;
    private readonly Func<double> _held;
    private Task? _pump;
    private int _sent;

    /// <param name="held">How long the dispatcher has held the attempt, for the first chunk to say (see <see cref="CompletionAccepted.HeldMilliseconds"/>).</param>
    public ChunkSender(ChunkOutbox outbox, Uri ingress, SubmitCompletion request, string dispatcherId, Uri dispatcherAddress, Func<double> held, CancellationToken cancellationToken)
    {
        _outbox = outbox;
        _ingress = ingress;
        _held = held;
        _request = request;
        _dispatcherId = dispatcherId;
        _dispatcherAddress = dispatcherAddress;
        _cancellationToken = cancellationToken;

        // A chunk nobody takes within the idle timeout (its ingress is gone) expires on the broker.
        _timeToLive = request.Stream?.IdleTimeout ?? TimeSpan.FromMinutes(1);
    }

    /// <summary>Sends or queues one event; throws <see cref="ChannelClosedException"/> if sending has failed (the broker is away), which ends the stream.</summary>
    public async ValueTask WriteAsync(string data, CancellationToken cancellationToken)
    {
        if (_pump is not null)
        {
            await _events.Writer.WriteAsync(data, cancellationToken);
            return;
        }

        // The first event goes out at once, from the reading thread; the pump takes the rest.
        try
        {
            await SendAsync([data]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _events.Writer.TryComplete(ex);
            throw new ChannelClosedException(ex);
        }

        _pump = Task.Run(PumpAsync, CancellationToken.None);
    }

    /// <summary>Sends what is queued and returns how many messages were sent in all (fewer if sending failed).</summary>
    public async Task<int> CompleteAsync()
    {
        _events.Writer.TryComplete();
        if (_pump is not null)
        {
            await _pump;
        }

        return _sent;
    }

    public async ValueTask DisposeAsync() => await CompleteAsync();

    private async Task PumpAsync()
    {
        var reader = _events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_cancellationToken))
            {
                var batch = new List<string>();
                var chars = 0;
                while (chars < MaxMessageChars && reader.TryRead(out var data))
                {
                    batch.Add(data);
                    chars += data.Length;
                }

                await SendAsync(batch);
            }
        }
        catch (Exception ex)
        {
            // Whatever stopped the sending (the broker away, the attempt cancelled), the reading side
            // learns of it at its next write and ends the stream; what was sent is counted.
            _events.Writer.TryComplete(ex);
        }
    }

    private async Task SendAsync(List<string> events)
    {
        var first = _sent == 0;
        var chunk = new CompletionChunk(_request.RequestId, _request.Attempt, _sent, events, first ? _dispatcherId : null, first ? _dispatcherAddress : null, first ? _held() : null);
        await _outbox.SendAsync(_ingress, chunk, _timeToLive, _cancellationToken);
        _sent++;
    }
}
