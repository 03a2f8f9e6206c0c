using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// The attempts this dispatcher is working on, so that a <c>CancelCompletion</c> can abort the
/// upstream call. A cancellation that arrives before its attempt does — sent to this dispatcher,
/// or a withdrawal of a queued attempt published to all — is remembered for as long as it says
/// (a minute if it says nothing, at most <see cref="RememberAtMost"/>), so the attempt is dropped
/// unrun when it comes.
/// </summary>
internal sealed class InFlightCalls(TimeProvider time)
{
    /// <summary>The longest a cancellation of an attempt not seen here is remembered.</summary>
    public static readonly TimeSpan RememberAtMost = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan RememberCancellations = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<(Guid, int), Call> _calls = new();
    private readonly ConcurrentDictionary<(Guid, int), DateTimeOffset> _cancelledEarly = new();
    private readonly ConcurrentDictionary<string, StrongBox<int>> _perEndpoint = new(StringComparer.Ordinal);
    private long _prunedAt;
    private readonly TaskCompletionSource _acknowledgeAtOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts tracking an attempt; its token is cancelled by <see cref="Cancel"/> or when <paramref name="stopping"/> or <paramref name="lost"/> is.</summary>
    public Call Begin(Guid requestId, int attempt, string endpointId, CancellationToken stopping, CancellationToken lost = default)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stopping, lost);
        var key = (requestId, attempt);
        var count = _perEndpoint.GetOrAdd(endpointId, static _ => new StrongBox<int>());
        var call = new Call(this, key, source, count);
        Interlocked.Increment(ref count.Value);
        _calls[key] = call;
        if (_cancelledEarly.TryRemove(key, out _))
        {
            source.Cancel();
        }

        return call;
    }

    /// <summary>How many attempts are running here now.</summary>
    public int Count => _calls.Count;

    /// <summary>
    /// How many attempts are running here now for each endpoint that has any (what heartbeats tell
    /// the ingresses), or with <paramref name="idleToo"/> for every endpoint that ever had one (what
    /// the metric shows, so that a series falls to 0 rather than vanishing).
    /// </summary>
    public IReadOnlyDictionary<string, int> PerEndpoint(bool idleToo = false) =>
        _perEndpoint.Select(e => (e.Key, Count: Volatile.Read(ref e.Value.Value))).Where(e => idleToo || e.Count > 0).ToDictionary(e => e.Key, e => e.Count, StringComparer.Ordinal);

    /// <summary>
    /// Completes when this dispatcher starts to stop: from then on every call is acknowledged at
    /// once rather than after a moment, so that no ingress, hearing this dispatcher drain, takes a
    /// call it is running for one still queued and sends it elsewhere too.
    /// </summary>
    public Task AcknowledgeAtOnce => _acknowledgeAtOnce.Task;

    /// <summary>How many calls running here have not told their ingress yet that they were taken.</summary>
    public int Unacknowledged => _calls.Values.Count(c => !c.Acknowledged);

    /// <summary>Has every call, running or to come, acknowledged at once (see <see cref="AcknowledgeAtOnce"/>).</summary>
    public void AcknowledgeAll() => _acknowledgeAtOnce.TrySetResult();

    /// <summary>Aborts every attempt still running: this dispatcher is stopping and its grace is over.</summary>
    public void CancelAll()
    {
        foreach (var call in _calls.Values)
        {
            call.StoppedByDrain = true;
            call.Cancel();
        }
    }

    /// <summary>How many cancellations of attempts not seen here are remembered.</summary>
    public int RememberedCount => _cancelledEarly.Count;

    /// <summary>Whether the attempt was cancelled before it arrived here; if so it is forgotten, and should be dropped unrun.</summary>
    public bool WasWithdrawn(Guid requestId, int attempt) =>
        _cancelledEarly.TryRemove((requestId, attempt), out var until) && until >= time.GetUtcNow();

    /// <summary>Aborts the attempt if it is running here; returns whether it was. Otherwise it is remembered until <paramref name="until"/>.</summary>
    public bool Cancel(Guid requestId, int attempt, DateTimeOffset? until = null)
    {
        var key = (requestId, attempt);
        if (TryCancelRunning(key))
        {
            return true;
        }

        Prune();
        var now = time.GetUtcNow();
        var remember = until is { } given ? Min(given, now + RememberAtMost) : now + RememberCancellations;
        if (remember <= now)
        {
            return false;
        }

        _cancelledEarly[key] = remember;

        // The attempt may have begun between the look-up and the note: look again.
        return TryCancelRunning(key);
    }

    private bool TryCancelRunning((Guid, int) key)
    {
        if (!_calls.TryGetValue(key, out var call))
        {
            return false;
        }

        call.Cancel();
        return true;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Forgets expired cancellations, at most once a second: a burst of withdrawals does not scan the list for each.</summary>
    private void Prune()
    {
        var at = time.GetTimestamp();
        var last = Interlocked.Read(ref _prunedAt);
        if (last != 0 && time.GetElapsedTime(last, at) < PruneEvery || Interlocked.CompareExchange(ref _prunedAt, at, last) != last)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (key, until) in _cancelledEarly)
        {
            if (until < now)
            {
                _cancelledEarly.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One tracked attempt; disposing it stops the tracking.</summary>
    public sealed class Call(InFlightCalls owner, (Guid, int) key, CancellationTokenSource source, StrongBox<int> endpointCount) : IDisposable
    {
        private int _disposed;

        public CancellationToken Token => source.Token;

        /// <summary>Whether its ingress has been told that the call was taken (by a <c>CompletionAccepted</c>, or by its answer).</summary>
        public bool Acknowledged { get; private set; }

        public void MarkAcknowledged() => Acknowledged = true;

        /// <summary>Whether the call was aborted because the dispatcher stopped, not because the ingress asked.</summary>
        public bool StoppedByDrain { get; internal set; }

        /// <summary>Aborts the call (its upstream request is cancelled).</summary>
        public void Cancel()
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt ended meanwhile: nothing left to abort.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            owner._calls.TryRemove(new KeyValuePair<(Guid, int), Call>(key, this));
            Interlocked.Decrement(ref endpointCount.Value);
            source.Dispose();
        }
    }
}
