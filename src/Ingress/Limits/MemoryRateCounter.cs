using System.Collections.Concurrent;

namespace BrokerGateway.Ingress.Limits;

/// <summary>Counters in this process (no <c>REDIS_URL</c>): exact for one ingress.</summary>
internal sealed class MemoryRateCounter(TimeProvider time) : IRateCounter
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private long _nextSweep;

    public Task<long> AddAsync(string key, long amount, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var counter = _counters.AddOrUpdate(key, _ => new Counter(now + lifetime), (_, c) => c.ExpiresAt <= now ? new Counter(now + lifetime) : c);
        return Task.FromResult(Interlocked.Add(ref counter.Value, amount));
    }

    /// <summary>Drops expired counters now and then, so the dictionary holds only live windows.</summary>
    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweep, now.AddMinutes(1).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (key, counter) in _counters)
        {
            if (counter.ExpiresAt <= now)
            {
                _counters.TryRemove(new KeyValuePair<string, Counter>(key, counter));
            }
        }
    }

    private sealed class Counter(DateTimeOffset expiresAt)
    {
        public long Value;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;
    }
}
