using BrokerGateway.Ingress.FairShare;

namespace BrokerGateway.Tests.Ingress.FairShare;

public class FairShareStandingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static FairShareOptions Shares(params (string Group, double Share)[] shares)
    {
        var options = new FairShareOptions();
        foreach (var (group, share) in shares)
        {
            options.Shares[group] = share;
        }

        return options;
    }

    [Fact]
    public void Compute_NothingUsedYet_EveryoneIsFirstInLine()
    {
        var standing = FairShareStanding.Compute([], Shares(("proj-a", 1), ("proj-b", 3)), Now);

        Assert.Equal(10, standing.PriorityOf("proj-a", "ann"));
        Assert.Equal(10, standing.PriorityOf("proj-b", "bea"));
        Assert.Equal(10, standing.PriorityOf("never-seen", "carl"));
        Assert.All(standing.Accounts, a => Assert.Equal(1.0, a.FairShare));
        Assert.Equal(0.25, standing.Find("proj-a")!.NormShares);
    }

    [Fact]
    public void Compute_EqualShares_TheAccountThatUsedLessGoesFirst()
    {
        var standing = FairShareStanding.Compute(
            [new LedgerEntry("proj-a", "ann", 9000), new LedgerEntry("proj-b", "bea", 1000)],
            Shares(("proj-a", 1), ("proj-b", 1)),
            Now);

        Assert.True(standing.PriorityOf("proj-b", "bea") > standing.PriorityOf("proj-a", "ann"));
        Assert.Equal(["proj-b", "proj-a"], standing.Accounts.Select(a => a.Account));

        // sshare's factor: 2^(-usage share / share): 0.9 of the usage on half the shares.
        var a = standing.Find("proj-a")!;
        Assert.Equal(0.9, a.NormUsage, 6);
        Assert.Equal(Math.Pow(2, -0.9 / 0.5), a.FairShare, 6);
    }

    [Fact]
    public void Compute_SharesThreeToOne_UsageInThatProportion_IsAtPar_AndMoreIsBehind()
    {
        var options = Shares(("big", 3), ("small", 1));

        var atPar = FairShareStanding.Compute([new LedgerEntry("big", "u1", 3000), new LedgerEntry("small", "u2", 1000)], options, Now);
        var bigAhead = FairShareStanding.Compute([new LedgerEntry("big", "u1", 2000), new LedgerEntry("small", "u2", 1000)], options, Now);
        var smallAhead = FairShareStanding.Compute([new LedgerEntry("big", "u1", 4000), new LedgerEntry("small", "u2", 1000)], options, Now);

        Assert.Equal(0.5, atPar.Find("big")!.FairShare, 6);
        Assert.Equal(0.5, atPar.Find("small")!.FairShare, 6);
        Assert.Equal(atPar.PriorityOf("big", "u1"), atPar.PriorityOf("small", "u2"));
        Assert.True(bigAhead.PriorityOf("big", "u1") > bigAhead.PriorityOf("small", "u2"));
        Assert.True(smallAhead.PriorityOf("small", "u2") > smallAhead.PriorityOf("big", "u1"));
    }

    [Fact]
    public void Compute_WithinAnAccount_UsersTakeTurns_TheOneThatUsedLessFirst_ANewcomerFirstOfAll()
    {
        var standing = FairShareStanding.Compute(
            [new LedgerEntry("proj-a", "heavy", 800), new LedgerEntry("proj-a", "light", 200), new LedgerEntry("proj-b", "bea", 5000)],
            Shares(("proj-a", 1), ("proj-b", 1)),
            Now);

        var newcomer = standing.PriorityOf("proj-a", "new");
        var light = standing.PriorityOf("proj-a", "light");
        var heavy = standing.PriorityOf("proj-a", "heavy");
        var other = standing.PriorityOf("proj-b", "bea");
        Assert.True(newcomer > light && light > heavy && heavy > other, $"new {newcomer}, light {light}, heavy {heavy}, other account {other}");
        Assert.Equal(["light", "heavy"], standing.Find("proj-a")!.Users.Select(u => u.User));
    }

    [Fact]
    public void Compute_AnAccountWithoutAConfiguredShare_HasTheDefault()
    {
        var options = Shares(("proj-a", 1));
        options.DefaultShare = 4;

        var standing = FairShareStanding.Compute([new LedgerEntry("unlisted", "u", 10)], options, Now);

        Assert.Equal(4, standing.Find("unlisted")!.Shares);
        Assert.Equal(0.8, standing.Find("unlisted")!.NormShares, 6);
    }

    [Theory]
    [InlineData(1.0, 10)]
    [InlineData(0.5, 5)]
    [InlineData(0.51, 6)]
    [InlineData(0.01, 1)]
    public void PriorityFor_AFactor_IsALevelFromOneToTen(double factor, int priority) =>
        Assert.Equal(priority, FairShareStanding.PriorityFor(factor));
}
