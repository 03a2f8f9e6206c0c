namespace BrokerGateway.Ingress.FairShare;

/// <summary>One user's usage within one account, decayed to the time it was read.</summary>
internal sealed record LedgerEntry(string Account, string User, double Usage);

/// <summary>
/// Each account's and user's decayed usage: in this process, or in Redis (<c>REDIS_URL</c>) where
/// every ingress replica adds to and reads the same.
/// </summary>
internal interface IFairShareLedger
{
    /// <summary>Adds <paramref name="amount"/> to the user's usage in the account, at <paramref name="nowMs"/> (Unix milliseconds).</summary>
    Task AddAsync(string account, string user, double amount, long nowMs, CancellationToken cancellationToken);

    /// <summary>Every entry's usage as it counts at <paramref name="nowMs"/>.</summary>
    Task<IReadOnlyList<LedgerEntry>> ReadAsync(long nowMs, CancellationToken cancellationToken);
}
