using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// Makes the dashboard's snapshot: the endpoints as this ingress sees them now, and what the
/// database holds, read at most once every <see cref="ReadEvery"/> however many pages are open
/// (an hour of usage records is an aggregate over every request of that hour).
/// </summary>
internal sealed class DashboardSnapshots(DashboardStore store, EndpointView endpoints, IOptions<UsageOptions> usage, TimeProvider time) : IDisposable
{
    /// <summary>How long what was read from the database is shown again before it is read afresh.</summary>
    public static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(5);

    /// <summary>Minutes of traffic shown.</summary>
    public const int Minutes = 60;

    private readonly SemaphoreSlim _reading = new(1, 1);
    private (TrafficSeries Traffic, TokenTotals Tokens, IReadOnlyList<BatchProgress> Batches, long At)? _read;

    public async Task<DashboardSnapshot> TakeAsync(CancellationToken cancellationToken)
    {
        var (traffic, tokens, batches) = await StoredAsync(cancellationToken);
        return new DashboardSnapshot("dashboard", time.GetUtcNow(), usage.Value.Enabled, endpoints.List(_ => true) ?? [], traffic, tokens, batches);
    }

    private async Task<(TrafficSeries, TokenTotals, IReadOnlyList<BatchProgress>)> StoredAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh)
        {
            return fresh;
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            // Another page may have read it while this one waited.
            if (Fresh() is { } read)
            {
                return read;
            }

            var now = time.GetUtcNow();
            var traffic = await store.TrafficAsync(now, Minutes, cancellationToken);
            var tokens = await store.TokensAsync(DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
            var batches = await store.BatchesAsync(cancellationToken);
            _read = (traffic, tokens, batches, time.GetTimestamp());
            return (traffic, tokens, batches);
        }
        finally
        {
            _reading.Release();
        }
    }

    private (TrafficSeries, TokenTotals, IReadOnlyList<BatchProgress>)? Fresh() =>
        _read is { } read && time.GetElapsedTime(read.At) < ReadEvery ? (read.Traffic, read.Tokens, read.Batches) : null;

    public void Dispose() => _reading.Dispose();
}
