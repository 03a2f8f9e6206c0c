namespace BrokerGateway.Ingress.FairShare;

/// <summary>Usage that halves every half-life: a value recorded at one time, read at another.</summary>
internal static class UsageDecay
{
    /// <summary><paramref name="value"/>, recorded at <paramref name="recordedMs"/> (Unix milliseconds), as it counts at <paramref name="nowMs"/>.</summary>
    public static double At(double value, long recordedMs, long nowMs, double halfLifeMs) =>
        nowMs <= recordedMs ? value : value * Math.Pow(2, -(nowMs - recordedMs) / halfLifeMs);
}
