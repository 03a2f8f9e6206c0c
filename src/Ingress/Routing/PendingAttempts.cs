using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Streaming;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The attempts this ingress waits on, matched with the dispatchers' answers as they arrive on its
/// own queue, and what each endpoint's queue holds of them that no dispatcher has taken yet.
/// </summary>
internal sealed class PendingAttempts(IOptions<StreamingOptions> streaming, TimeProvider time)
{
    private readonly ConcurrentDictionary<(Guid, int), PendingAttempt> _pending = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>> _waiting = new(StringComparer.Ordinal);

    public PendingAttempt Register(Guid requestId, int attempt, string endpointId, bool stream = false, bool batch = false)
    {
        var pending = new PendingAttempt(requestId, attempt, endpointId, batch, time, stream ? new StreamBuffer(streaming.Value.MaxBufferBytes) : null, this);
        _pending[(requestId, attempt)] = pending;
        if (!batch)
        {
            Interlocked.Increment(ref WaitingBox(endpointId).Value);
        }

        return pending;
    }

    public void Remove(PendingAttempt pending)
    {
        pending.NotWaitingAnyMore();
        _pending.TryRemove(new KeyValuePair<(Guid, int), PendingAttempt>((pending.RequestId, pending.Attempt), pending));
    }

    /// <summary>Interactive attempts of this ingress sent to the endpoint's queue that no dispatcher has taken yet.</summary>
    public int Waiting(string endpointId) => _waiting.TryGetValue(endpointId, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Every attempt waited on now (a snapshot, for the queue watch's sweep).</summary>
    public ICollection<PendingAttempt> All => _pending.Values;

    /// <summary>Whether this attempt is still waited for: what a dispatcher that is about to run it asks (a redelivered one included).</summary>
    public bool IsWaitedFor(Guid requestId, int attempt) => _pending.ContainsKey((requestId, attempt));

    /// <summary>Returns false when nobody waits for this attempt any more: the dispatcher must then be told to abort it.</summary>
    public bool Accept(CompletionAccepted accepted) =>
        _pending.TryGetValue((accepted.RequestId, accepted.Attempt), out var pending) && pending.TryAccept(accepted);

    public bool Complete(CompletionResult result) =>
        _pending.TryGetValue((result.RequestId, result.Attempt), out var pending) && pending.TryComplete(result);

    /// <summary>Returns false when nobody waits for this stream any more.</summary>
    public bool Chunk(CompletionChunk chunk) =>
        _pending.TryGetValue((chunk.RequestId, chunk.Attempt), out var pending) && pending.TryAddChunk(chunk);

    /// <summary>The broker refused the attempt's message (its queue is full): its send is given up at once.</summary>
    public void RejectSend(Guid requestId, int attempt)
    {
        if (_pending.TryGetValue((requestId, attempt), out var pending))
        {
            pending.RejectSend();
        }
    }

    /// <summary>The broker connection is lost: every attempt ends, none can be answered now.</summary>
    public void InterruptAll(AttemptInterruption why)
    {
        foreach (var pending in _pending.Values)
        {
            pending.Interrupt(why);
        }
    }

    internal void Taken(string endpointId) => Interlocked.Decrement(ref WaitingBox(endpointId).Value);

    private StrongBox<int> WaitingBox(string endpointId) => _waiting.GetOrAdd(endpointId, static _ => new StrongBox<int>());
}

/// <summary>
/// One attempt being waited on. <see cref="Abandon"/> and the arrival of an acknowledgement are
/// serialised, so an acknowledgement either reaches a waiting router (which then knows whom to
/// cancel) or is refused (and the consumer cancels it): never neither. Its end — a result, or an
/// <see cref="Interruption"/> — is decided once: whichever comes first wins.
/// </summary>
internal sealed class PendingAttempt
{
    private const int Open = 0;
    private const int Answered = 1;
    private const int Interrupted = 2;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly PendingAttempts? _owner;
    private readonly long _sentAt;
    private bool _abandoned;
    private CompletionAccepted? _accepted;
    private int _end;
    private int _counted;
    private long _takenAt;
    private double _heldMilliseconds;
    private CancellationTokenRegistration _loss;
    private CancellationTokenSource? _send;
    private volatile bool _sendRejected;

    public PendingAttempt(Guid requestId, int attempt, string endpointId, bool batch, TimeProvider time, StreamBuffer? stream = null, PendingAttempts? owner = null)
    {
        RequestId = requestId;
        Attempt = attempt;
        EndpointId = endpointId;
        IsBatch = batch;
        Stream = stream;
        _time = time;
        _owner = owner;
        _sentAt = time.GetTimestamp();
        _counted = batch || owner is null ? 1 : 0;
    }

    public Guid RequestId { get; }

    public int Attempt { get; }

    public string EndpointId { get; }

    public bool IsBatch { get; }

    /// <summary>For a streamed attempt: its chunks, once they come.</summary>
    public StreamBuffer? Stream { get; }

    /// <summary>
    /// Completes when a dispatcher took the attempt: its acknowledgement or its answer, whichever
    /// comes first — or its interruption. The waiting request continues on the thread that
    /// delivers it (no continuation flag): one thread-pool hop less on every request.
    /// </summary>
    public TaskCompletionSource Taken { get; } = new();

    /// <summary>
    /// The dispatcher's result — or, for a stream that has begun, a stand-in for it as soon as the
    /// first chunk arrives (the stream's own result then goes to <see cref="Stream"/>) — or the
    /// stand-in of an interruption.
    /// </summary>
    public TaskCompletionSource<CompletionResult> Result { get; } = new();

    /// <summary>Why the wait ended without an answer, if it did; set only when it won over any answer.</summary>
    public AttemptInterruption? Interruption { get; private set; }

    /// <summary>
    /// Whether the attempt's message may still be on its queue, to be taken later: no dispatcher
    /// has taken it, or the one that did went away (the broker hands it on).
    /// </summary>
    public bool MayStillBeQueued => Volatile.Read(ref _takenAt) == 0 || Interruption is AttemptInterruption.DispatcherLost;

    /// <summary>Whether a dispatcher has taken the attempt (acknowledged it, streamed or answered).</summary>
    public bool IsTaken => Taken.Task.IsCompleted && Interruption is null;

    /// <summary>The dispatcher that acknowledged the attempt, if one did.</summary>
    public CompletionAccepted? AcceptedBy
    {
        get
        {
            lock (_lock)
            {
                return _accepted;
            }
        }
    }

    /// <summary>How long the attempt waited on its queue before a dispatcher took it, in milliseconds (the broker's own transit included).</summary>
    public double QueueMilliseconds
    {
        get
        {
            var takenAt = Volatile.Read(ref _takenAt);
            return takenAt == 0 ? _time.GetElapsedTime(_sentAt).TotalMilliseconds : Math.Max(0, _time.GetElapsedTime(_sentAt, takenAt).TotalMilliseconds - _heldMilliseconds);
        }
    }

    /// <summary>Whether the broker refused the attempt's message because its queue was full.</summary>
    public bool SendRejected => _sendRejected;

    /// <summary>The send under way: cancelled when the broker refuses the message, so the sender does not wait on MassTransit's retries.</summary>
    public void SendingWith(CancellationTokenSource? send) => _send = send;

    public bool TryAccept(CompletionAccepted accepted)
    {
        lock (_lock)
        {
            if (_abandoned)
            {
                return false;
            }

            _accepted = accepted;
        }

        MarkTaken(accepted.HeldMilliseconds ?? 0);
        Taken.TrySetResult();
        return true;
    }

    public bool TryComplete(CompletionResult result)
    {
        lock (_lock)
        {
            if (_abandoned)
            {
                return false;
            }
        }

        if (Stream is not null && (result.StreamChunks > 0 || Stream.IsStarted))
        {
            // The stream's own result: it ends the stream once its chunks are in.
            Stream.Finish(result);
            return true;
        }

        if (Interlocked.CompareExchange(ref _end, Answered, Open) != Open)
        {
            return false;
        }

        MarkTaken(result.UpstreamMilliseconds ?? 0);
        Result.TrySetResult(result);
        Taken.TrySetResult();
        return true;
    }

    public bool TryAddChunk(CompletionChunk chunk)
    {
        if (Stream is null)
        {
            return false;
        }

        if (chunk is { DispatcherId: { } dispatcherId, DispatcherAddress: { } address }
            && !TryAccept(new CompletionAccepted(chunk.RequestId, chunk.Attempt, dispatcherId, address, chunk.HeldMilliseconds)))
        {
            return false;
        }

        lock (_lock)
        {
            if (_abandoned)
            {
                return false;
            }
        }

        if (Stream.Add(chunk) && Interlocked.CompareExchange(ref _end, Answered, Open) == Open)
        {
            Result.TrySetResult(new CompletionResult(RequestId, Attempt, string.Empty, CompletionOutcome.Answered, 200, string.Empty, null));
        }

        return true;
    }

    /// <summary>
    /// Ends the wait without an answer, unless one has come. A stream that has begun is ended with
    /// what has come, as broken off.
    /// </summary>
    public bool Interrupt(AttemptInterruption why)
    {
        if (Stream is { IsStarted: true } stream)
        {
            if (stream.End is null)
            {
                stream.Finish(new CompletionResult(RequestId, Attempt, EndpointId, CompletionOutcome.Unreachable, 0, string.Empty, Describe(why)));
            }

            return true;
        }

        if (Interlocked.CompareExchange(ref _end, Interrupted, Open) != Open)
        {
            return false;
        }

        Interruption = why;
        Result.TrySetResult(new CompletionResult(RequestId, Attempt, EndpointId, CompletionOutcome.NotServed, 0, string.Empty, Describe(why)));
        Taken.TrySetResult();
        return true;
    }

    /// <summary>Stops waiting; returns the acknowledgement if one arrived, so its dispatcher can be told to abort.</summary>
    public CompletionAccepted? Abandon()
    {
        lock (_lock)
        {
            _abandoned = true;
            // A stream that has begun is over for its dispatcher only once the dispatcher's result has come.
            var ended = Stream is { IsStarted: true } stream ? stream.End is not null : Volatile.Read(ref _end) == Answered;
            return ended ? null : _accepted;
        }
    }

    internal void RejectSend()
    {
        _sendRejected = true;
        try
        {
            _send?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The send ended meanwhile.
        }
    }

    /// <summary>Ends the wait when <paramref name="losing"/> is cancelled (the broker connection the attempt was sent over is lost), at once if it already is.</summary>
    public void EndOnLoss(CancellationToken losing) =>
        _loss = losing.Register(static state => ((PendingAttempt)state!).Interrupt(AttemptInterruption.BrokerLost), this);

    internal void NotWaitingAnyMore()
    {
        _loss.Dispose();
        Count();
    }

    public static string Describe(AttemptInterruption why) => why switch
    {
        AttemptInterruption.NoConsumer => "no dispatcher consumes the endpoint's queue any more",
        AttemptInterruption.DispatcherLost => "the dispatcher that took the request went away, and no other consumes the endpoint's queue",
        _ => "the gateway lost its connection to the message broker",
    };

    private void MarkTaken(double heldMilliseconds)
    {
        if (Interlocked.CompareExchange(ref _takenAt, _time.GetTimestamp(), 0) == 0)
        {
            _heldMilliseconds = heldMilliseconds;
            Count();
        }
    }

    /// <summary>Takes the attempt out of its endpoint's count of waiting ones, once.</summary>
    private void Count()
    {
        if (Interlocked.Exchange(ref _counted, 1) == 0)
        {
            _owner?.Taken(EndpointId);
        }
    }
}
