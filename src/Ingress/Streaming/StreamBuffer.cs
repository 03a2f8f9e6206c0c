using System.Threading.Channels;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Streaming;

/// <summary>
/// One streamed attempt's chunks on their way to the caller: put back in order by sequence number
/// (the broker may deliver them out of order), handed to the response writer as they become
/// ready, and ended once the dispatcher's result has said how many there were and all have come.
/// What is held — out of order or not yet written — is bounded: past the bound the stream is
/// ended (<see cref="Overflowed"/>), so a slow reader cannot make the ingress hold an unbounded backlog.
/// </summary>
internal sealed class StreamBuffer(long maxBytes) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, CompletionChunk> _early = [];
    private readonly Channel<IReadOnlyList<string>> _ready = Channel.CreateUnbounded<IReadOnlyList<string>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _overflow = new();
    private int _next;
    private long _bytes;
    private int _written;
    private bool _finished;
    private bool _started;
    private volatile bool _overflowed;
    private CompletionResult? _end;

    /// <summary>The events ready to write, in order; completes when the stream has ended.</summary>
    public ChannelReader<IReadOnlyList<string>> Ready => _ready.Reader;

    /// <summary>Whether the first chunk has arrived.</summary>
    public bool IsStarted => Volatile.Read(ref _started);

    /// <summary>Whether the stream held more than its bound and was ended for it.</summary>
    public bool IsOverflowed => _overflowed;

    /// <summary>The dispatcher's result, once it has arrived: how the stream ended, and its usage. Until then the dispatcher is still at work.</summary>
    public CompletionResult? End => Volatile.Read(ref _end);

    /// <summary>Cancelled when the stream held more than its bound (<see cref="IsOverflowed"/> is set first).</summary>
    public CancellationToken Overflowed => _overflow.Token;

    /// <summary>Takes a chunk; returns whether it was the first, so the waiting request can start answering.</summary>
    public bool Add(CompletionChunk chunk)
    {
        bool overflowed;
        lock (_lock)
        {
            if (_finished || chunk.Sequence < _next || _early.ContainsKey(chunk.Sequence))
            {
                return false;
            }

            _bytes += Size(chunk.Events);
            overflowed = _bytes > maxBytes;
            if (chunk.Sequence == 0)
            {
                // Even a first chunk past the bound starts the stream: the caller is then told why it ends.
                Volatile.Write(ref _started, true);
            }

            if (overflowed)
            {
                _overflowed = true;
                _finished = true;
                _early.Clear();
                _ready.Writer.TryComplete(new StreamOverflowException(maxBytes));
            }
            else if (chunk.Sequence != _next)
            {
                _early[chunk.Sequence] = chunk;
                return false;
            }
            else
            {
                Emit(chunk);
                while (_early.Remove(_next, out var following))
                {
                    Emit(following);
                }

                CompleteIfAllCame();
            }
        }

        if (overflowed)
        {
            try
            {
                _overflow.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream has ended meanwhile: nobody is left to tell.
            }
        }

        return chunk.Sequence == 0;
    }

    /// <summary>
    /// Takes the dispatcher's result, which may arrive before the last chunks do. A result that
    /// counts no chunks (a dispatcher that failed outright) ends the stream with what has come.
    /// </summary>
    public void Finish(CompletionResult result)
    {
        lock (_lock)
        {
            Volatile.Write(ref _end, result);
            if (!_finished)
            {
                CompleteIfAllCame();
            }
        }
    }

    /// <summary>How many events the writer has sent to the caller.</summary>
    public int WrittenEvents => Volatile.Read(ref _written);

    /// <summary>The writer has sent these events to the caller: they no longer count against the bound.</summary>
    public void Written(IReadOnlyList<string> events)
    {
        lock (_lock)
        {
            _bytes -= Size(events);
            _written += events.Count;
        }
    }

    public void Dispose() => _overflow.Dispose();

    private void Emit(CompletionChunk chunk)
    {
        _ready.Writer.TryWrite(chunk.Events);
        Volatile.Write(ref _next, _next + 1);
    }

    private void CompleteIfAllCame()
    {
        if (_end is { } end && _next >= (end.StreamChunks ?? 0))
        {
            _finished = true;
            _ready.Writer.TryComplete();
        }
    }

    private static long Size(IReadOnlyList<string> events)
    {
        long size = 0;
        foreach (var data in events)
        {
            size += data.Length;
        }

        return size;
    }
}
