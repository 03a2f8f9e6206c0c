using BrokerGateway.Hosting.Messaging;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>One user's standing within its account: its decayed usage, its fair-share factor (1 first in line, towards 0 last) and the queue priority that follows.</summary>
internal sealed record UserStanding(string User, double Usage, double FairShare, byte Priority);

/// <summary>
/// One account's standing, as <c>sshare</c> shows it: its raw and normalised share and usage, and
/// its fair-share factor <c>2^(-norm_usage / norm_shares)</c> (1 when it has used nothing, 0.5 when
/// its usage matches its share, towards 0 the further above it).
/// </summary>
internal sealed record AccountStanding(
    string Account,
    double Shares,
    double NormShares,
    double Usage,
    double NormUsage,
    double FairShare,
    IReadOnlyList<UserStanding> Users,
    byte NewUserPriority);

/// <summary>
/// Every account's standing at one moment, and the order in which their users' waiting requests
/// are served — Slurm's Fair Tree: the accounts ranked by share over usage, and within each its
/// users the same way (their shares equal), so that the account furthest below its share goes
/// first and its users take turns. A user's rank among all users gives its factor and priority.
/// </summary>
internal sealed class FairShareStanding
{
    private readonly Dictionary<string, AccountStanding> _accounts;
    private readonly Dictionary<(string Account, string User), byte> _priorities;

    private FairShareStanding(DateTimeOffset at, IReadOnlyList<AccountStanding> accounts, Dictionary<(string, string), byte> priorities, byte newAccountPriority)
    {
        At = at;
        Accounts = accounts;
        _accounts = accounts.ToDictionary(a => a.Account, StringComparer.Ordinal);
        _priorities = priorities;
        NewAccountPriority = newAccountPriority;
    }

    public static FairShareStanding Empty { get; } = Compute([], new FairShareOptions(), DateTimeOffset.UnixEpoch);

    public DateTimeOffset At { get; }

    /// <summary>The accounts, first in line first.</summary>
    public IReadOnlyList<AccountStanding> Accounts { get; }

    /// <summary>The priority of an account that has used nothing yet: first in line.</summary>
    public byte NewAccountPriority { get; }

    public AccountStanding? Find(string account) => _accounts.GetValueOrDefault(account);

    /// <summary>The priority of a request of <paramref name="user"/> charged to <paramref name="account"/>.</summary>
    public byte PriorityOf(string account, string user) =>
        _priorities.TryGetValue((account, user), out var priority) ? priority
        : _accounts.TryGetValue(account, out var known) ? known.NewUserPriority
        : NewAccountPriority;

    /// <summary>
    /// The standing from the ledger's entries: every account with a configured share or with usage,
    /// each user with usage; a user or account not yet seen ranks with those that have used nothing.
    /// </summary>
    public static FairShareStanding Compute(IReadOnlyList<LedgerEntry> entries, FairShareOptions options, DateTimeOffset at)
    {
        var byAccount = entries
            .Where(e => e.Usage > 0)
            .GroupBy(e => e.Account, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var names = options.Shares.Keys.Concat(byAccount.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var totalShares = names.Sum(options.ShareOf);
        var totalUsage = byAccount.Values.Sum(users => users.Sum(u => u.Usage));

        // Share over usage: the higher, the further below its share (an account or user that has
        // used nothing is infinitely so). Ties rank together.
        var ranked = names
            .Select(name =>
            {
                var share = options.ShareOf(name) / totalShares;
                var users = byAccount.GetValueOrDefault(name) ?? [];
                var usage = users.Sum(u => u.Usage);
                var normUsage = totalUsage > 0 ? usage / totalUsage : 0;
                return (Name: name, Share: options.ShareOf(name), NormShare: share, Usage: usage, NormUsage: normUsage, Level: Level(share, normUsage), Users: users);
            })
            .OrderByDescending(a => a.Level)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToArray();

        // Every user in the order of service: by its account's level, then its own within the
        // account (its share an equal part of the account's), with a place at the head of each
        // account for users it has not seen yet.
        var order = new List<(string Account, string? User, double AccountLevel, double UserLevel)>();
        foreach (var account in ranked)
        {
            order.Add((account.Name, null, account.Level, double.PositiveInfinity));
            foreach (var user in account.Users)
            {
                order.Add((account.Name, user.User, account.Level, Level(1.0 / account.Users.Length, account.Usage > 0 ? user.Usage / account.Usage : 0)));
            }
        }

        order.Sort((x, y) => x.AccountLevel != y.AccountLevel ? y.AccountLevel.CompareTo(x.AccountLevel) : y.UserLevel.CompareTo(x.UserLevel));

        // A place's rank counts the places strictly ahead of it, so that equals share a priority.
        var count = Math.Max(order.Count, 1);
        var priorities = new Dictionary<(string, string), byte>();
        var accountPriority = new Dictionary<string, byte>(StringComparer.Ordinal);
        var factors = new Dictionary<(string, string), double>();
        var ahead = 0;
        for (var i = 0; i < order.Count; i++)
        {
            if (i > 0 && (order[i].AccountLevel != order[i - 1].AccountLevel || order[i].UserLevel != order[i - 1].UserLevel))
            {
                ahead = i;
            }

            var factor = (double)(count - ahead) / count;
            var priority = PriorityFor(factor);
            if (order[i].User is { } user)
            {
                priorities[(order[i].Account, user)] = priority;
                factors[(order[i].Account, user)] = factor;
            }
            else
            {
                accountPriority[order[i].Account] = priority;
            }
        }

        var accounts = ranked.Select(a => new AccountStanding(
            a.Name, a.Share, a.NormShare, a.Usage, a.NormUsage,
            a.NormUsage > 0 ? Math.Pow(2, -a.NormUsage / a.NormShare) : 1,
            a.Users.OrderByDescending(u => factors[(a.Name, u.User)]).ThenBy(u => u.User, StringComparer.Ordinal)
                .Select(u => new UserStanding(u.User, u.Usage, factors[(a.Name, u.User)], priorities[(a.Name, u.User)])).ToArray(),
            accountPriority[a.Name])).ToArray();
        return new FairShareStanding(at, accounts, priorities, QueueNames.MaxPriority);
    }

    /// <summary>Share over usage (Fair Tree's "level fairshare"); infinite for no usage.</summary>
    private static double Level(double normShare, double normUsage) => normUsage > 0 ? normShare / normUsage : double.PositiveInfinity;

    /// <summary>A factor in (0, 1] as a queue priority from 1 to <see cref="QueueNames.MaxPriority"/>; 0 is left to requests without fair share.</summary>
    public static byte PriorityFor(double factor) => (byte)Math.Clamp((int)Math.Ceiling(factor * QueueNames.MaxPriority), 1, QueueNames.MaxPriority);
}
