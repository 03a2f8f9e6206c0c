namespace BrokerGateway.Ingress.FairShare;

/// <summary>Usage that halves every half-life: a value recorded at one time, read at another.</summary>
internal static class UsageDecay
{
    /// <summary>
    /// Usage below this (a thousandth of a token or of a second) is forgotten: the ledger drops the
    /// entry, so that it holds the accounts and users of the last days, not of all time (a million
    /// tokens fall below it after 30 half-lives).
    /// </summary>
    public const double ForgetBelow = 0.001;

    /// <summary>Whether usage that has decayed to <paramref name="value"/> is as good as none.</summary>
    public static bool IsForgotten(double value) => Math.Abs(value) < ForgetBelow;

    /// <summary><paramref name="value"/>, recorded at <paramref name="recordedMs"/> (Unix milliseconds), as it counts at <paramref name="nowMs"/>.</summary>
    public static double At(double value, long recordedMs, long nowMs, double halfLifeMs) =>
        nowMs <= recordedMs ? value : value * Math.Pow(2, -(nowMs - recordedMs) / halfLifeMs);
}
