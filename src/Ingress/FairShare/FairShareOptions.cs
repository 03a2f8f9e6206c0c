namespace BrokerGateway.Ingress.FairShare;

/// <summary>What an account's usage is counted in.</summary>
internal enum FairShareUnit
{
    /// <summary>The tokens its requests used (prompt and completion), as the upstream reported them.</summary>
    Tokens,

    /// <summary>The seconds its requests spent at the upstream: the measure for a GPU server, where a long answer holds a slot.</summary>
    Seconds,
}

/// <summary>
/// Fair share (section <c>FairShare</c>): an account is a group; each has a share, its usage decays
/// with a half-life, and while an endpoint's capacity is taken the account furthest below its share
/// is served first — Slurm's fair-share scheduling, for requests. <c>FairShare:Enabled</c> itself is
/// read by every service (<see cref="Hosting.Messaging.BusOptions.FairShare"/>): the dispatchers
/// declare their queues for it.
/// </summary>
internal sealed class FairShareOptions
{
    public const string Section = "FairShare";

    /// <summary>The header with which a caller in several groups names the account to charge.</summary>
    public const string AccountHeader = "x-gateway-account";

    /// <summary>Relative shares by group (any number above 0); a group not listed has <see cref="DefaultShare"/>.</summary>
    public Dictionary<string, double> Shares { get; set; } = new(StringComparer.Ordinal);

    public double DefaultShare { get; set; } = 1;

    public FairShareUnit UsageUnit { get; set; } = FairShareUnit.Tokens;

    /// <summary>After this long, usage counts half as much.</summary>
    public double HalfLifeMinutes { get; set; } = 60;

    public double ShareOf(string account) => Shares.TryGetValue(account, out var share) ? share : DefaultShare;

    /// <summary>What is wrong with the settings, each problem naming its key; empty when they are good.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (group, share) in Shares)
        {
            if (!(share > 0) || double.IsInfinity(share))
            {
                yield return $"{Section}:Shares:{group}: must be a number above 0";
            }
        }

        if (!(DefaultShare > 0) || double.IsInfinity(DefaultShare))
        {
            yield return $"{Section}:DefaultShare: must be a number above 0";
        }

        if (!(HalfLifeMinutes is >= 1 and <= 1_000_000))
        {
            yield return $"{Section}:HalfLifeMinutes: must be from 1 to 1000000";
        }
    }
}
