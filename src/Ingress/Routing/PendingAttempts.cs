using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Streaming;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>The attempts this ingress waits on, matched with the dispatchers' answers as they arrive on its own queue.</summary>
public sealed class PendingAttempts(IOptions<StreamingOptions> streaming)
{
    private readonly ConcurrentDictionary<(Guid, int), PendingAttempt> _pending = new();

    public PendingAttempt Register(Guid requestId, int attempt, bool stream = false)
    {
        var pending = new PendingAttempt(requestId, attempt, stream ? new StreamBuffer(streaming.Value.MaxBufferBytes) : null);
        _pending[(requestId, attempt)] = pending;
        return pending;
    }

    public void Remove(PendingAttempt pending) =>
        _pending.TryRemove(new KeyValuePair<(Guid, int), PendingAttempt>((pending.RequestId, pending.Attempt), pending));

    /// <summary>Returns false when nobody waits for this attempt any more: the dispatcher must then be told to abort it.</summary>
    public bool Accept(CompletionAccepted accepted) =>
        _pending.TryGetValue((accepted.RequestId, accepted.Attempt), out var pending) && pending.TryAccept(accepted);

    public bool Complete(CompletionResult result) =>
        _pending.TryGetValue((result.RequestId, result.Attempt), out var pending) && pending.TryComplete(result);

    /// <summary>Returns false when nobody waits for this stream any more.</summary>
    public bool Chunk(CompletionChunk chunk) =>
        _pending.TryGetValue((chunk.RequestId, chunk.Attempt), out var pending) && pending.TryAddChunk(chunk);
}

/// <summary>
/// One attempt being waited on. <see cref="Abandon"/> and the arrival of an acknowledgement are
/// serialised, so an acknowledgement either reaches a waiting router (which then knows whom to
/// cancel) or is refused (and the consumer cancels it): never neither.
/// </summary>
public sealed class PendingAttempt(Guid requestId, int attempt, StreamBuffer? stream = null)
{
    private readonly Lock _lock = new();
    private bool _abandoned;
    private CompletionAccepted? _accepted;

    public Guid RequestId { get; } = requestId;

    public int Attempt { get; } = attempt;

    /// <summary>For a streamed attempt: its chunks, once they come.</summary>
    public StreamBuffer? Stream { get; } = stream;

    /// <summary>
    /// Completes when a dispatcher took the attempt: its acknowledgement or its answer, whichever
    /// comes first. The waiting request continues on the thread that delivers the answer (no
    /// continuation flag): one thread-pool hop less on every request.
    /// </summary>
    public TaskCompletionSource Taken { get; } = new();

    /// <summary>
    /// The dispatcher's result — or, for a stream that has begun, a stand-in for it as soon as the
    /// first chunk arrives (the stream's own result then goes to <see cref="Stream"/>).
    /// </summary>
    public TaskCompletionSource<CompletionResult> Result { get; } = new();

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
            && !TryAccept(new CompletionAccepted(chunk.RequestId, chunk.Attempt, dispatcherId, address)))
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

        if (Stream.Add(chunk))
        {
            Result.TrySetResult(new CompletionResult(RequestId, Attempt, string.Empty, CompletionOutcome.Answered, 200, string.Empty, null));
        }

        return true;
    }

    /// <summary>Stops waiting; returns the acknowledgement if one arrived, so its dispatcher can be told to abort.</summary>
    public CompletionAccepted? Abandon()
    {
        lock (_lock)
        {
            _abandoned = true;
            // A stream that has begun is over for its dispatcher only once the dispatcher's result has come.
            var ended = Stream is { IsStarted: true } stream ? stream.End is not null : Result.Task.IsCompleted;
            return ended ? null : _accepted;
        }
    }
}
