using System.Collections.Concurrent;

namespace BrokerGateway.Ingress.Caching;

/// <summary>
/// Collapses concurrent lookups of the same key into one: while a lookup runs, every other caller
/// for that key awaits the same task instead of starting its own, so a cache that just expired
/// under load causes one query, not one per waiting request. The shared lookup runs without any
/// one caller's cancellation; each caller stops waiting when its own token is cancelled.
/// Results are not kept once the lookup has finished — that is the cache's job.
/// </summary>
internal sealed class SingleFlight<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _running = new();

    public Task<TValue> RunAsync(TKey key, Func<TKey, Task<TValue>> lookup, CancellationToken cancellationToken)
    {
        var flight = _running.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => StartAsync(k, lookup)));
        return flight.Value.WaitAsync(cancellationToken);
    }

    private async Task<TValue> StartAsync(TKey key, Func<TKey, Task<TValue>> lookup)
    {
        try
        {
            return await lookup(key);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }
}
