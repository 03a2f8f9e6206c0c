using BrokerGateway.Ingress.FairShare;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Ingress.FairShare;

public class MemoryFairShareLedgerTests
{
    private const long Start = 1_796_000_000_000;
    private const long Hour = 3_600_000;

    [Fact]
    public async Task ReadAsync_AfterOneHalfLife_UsageCountsHalf_AfterTwoAQuarter()
    {
        var ledger = new MemoryFairShareLedger(Options.Create(new FairShareOptions { HalfLifeMinutes = 60 }));
        await ledger.AddAsync("proj-a", "ann", 1000, Start, CancellationToken.None);

        Assert.Equal(1000, Single(await ledger.ReadAsync(Start, CancellationToken.None)), 6);
        Assert.Equal(500, Single(await ledger.ReadAsync(Start + Hour, CancellationToken.None)), 6);
        Assert.Equal(250, Single(await ledger.ReadAsync(Start + (2 * Hour), CancellationToken.None)), 6);
    }

    [Fact]
    public async Task AddAsync_Later_AddsToWhatIsLeftOfTheEarlierUsage()
    {
        var ledger = new MemoryFairShareLedger(Options.Create(new FairShareOptions { HalfLifeMinutes = 30 }));
        await ledger.AddAsync("proj-a", "ann", 1000, Start, CancellationToken.None);
        await ledger.AddAsync("proj-a", "ann", 100, Start + Hour, CancellationToken.None);
        await ledger.AddAsync("proj-a", "bob", 7, Start + Hour, CancellationToken.None);

        var entries = await ledger.ReadAsync(Start + Hour, CancellationToken.None);

        Assert.Equal(350, entries.Single(e => e.User == "ann").Usage, 6);
        Assert.Equal(7, entries.Single(e => e.User == "bob").Usage, 6);
    }

    [Fact]
    public async Task ReadAsync_UsageDecayedToNothing_IsForgottenAndTheOthersKept()
    {
        var ledger = new MemoryFairShareLedger(Options.Create(new FairShareOptions { HalfLifeMinutes = 60 }));
        await ledger.AddAsync("proj-a", "ann", 1_000_000, Start, CancellationToken.None);
        await ledger.AddAsync("proj-b", "bob", 10, Start + (30 * Hour), CancellationToken.None);

        var entries = await ledger.ReadAsync(Start + (30 * Hour), CancellationToken.None);

        Assert.Equal("bob", Assert.Single(entries).User);
        await ledger.AddAsync("proj-a", "ann", 5, Start + (30 * Hour), CancellationToken.None);
        Assert.Equal(5, (await ledger.ReadAsync(Start + (30 * Hour), CancellationToken.None)).Single(e => e.User == "ann").Usage, 6);
    }

    private static double Single(IReadOnlyList<LedgerEntry> entries) => Assert.Single(entries).Usage;
}
