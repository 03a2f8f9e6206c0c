namespace BrokerGateway.Ingress.Limits;

/// <summary>Counters that expire: in this process, or in Redis so that every ingress replica shares them.</summary>
internal interface IRateCounter
{
    /// <summary>Adds <paramref name="amount"/> (which may be negative) and returns the new total; the counter expires after <paramref name="lifetime"/>.</summary>
    Task<long> AddAsync(string key, long amount, TimeSpan lifetime, CancellationToken cancellationToken);
}
