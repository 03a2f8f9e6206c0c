using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>The ledger of a single ingress (no <c>REDIS_URL</c>); an entry decayed to nothing is dropped when read.</summary>
internal sealed class MemoryFairShareLedger(IOptions<FairShareOptions> options) : IFairShareLedger
{
    private readonly Dictionary<(string Account, string User), (double Value, long AtMs)> _entries = [];
    private readonly Lock _lock = new();

    public Task AddAsync(string account, string user, double amount, long nowMs, CancellationToken cancellationToken)
    {
        var halfLife = options.Value.HalfLifeMinutes * 60_000;
        lock (_lock)
        {
            _entries[(account, user)] = _entries.TryGetValue((account, user), out var held)
                ? (UsageDecay.At(held.Value, held.AtMs, nowMs, halfLife) + amount, Math.Max(held.AtMs, nowMs))
                : (amount, nowMs);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LedgerEntry>> ReadAsync(long nowMs, CancellationToken cancellationToken)
    {
        var halfLife = options.Value.HalfLifeMinutes * 60_000;
        lock (_lock)
        {
            var entries = new List<LedgerEntry>(_entries.Count);
            foreach (var ((account, user), (value, atMs)) in _entries)
            {
                var usage = UsageDecay.At(value, atMs, nowMs, halfLife);
                if (UsageDecay.IsForgotten(usage))
                {
                    _entries.Remove((account, user));
                    continue;
                }

                entries.Add(new LedgerEntry(account, user, usage));
            }

            return Task.FromResult<IReadOnlyList<LedgerEntry>>(entries);
        }
    }
}
