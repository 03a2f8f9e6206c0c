using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BrokerGateway.Tests.Ingress.FairShare;

/// <summary>The ledger in a real Redis: decay with the clock the callers give, two writers adding to one entry.</summary>
public class RedisFairShareLedgerTests
{
    private const long Start = 1_796_000_000_000;
    private const long Hour = 3_600_000;

    [SkippableFact]
    public async Task AddAndRead_TwoReplicasAddingOverTime_OneDecayedTotal()
    {
        await using var redis = await ConnectAsync();
        var options = Options.Create(new FairShareOptions { HalfLifeMinutes = 60 });
        var first = new RedisFairShareLedger(redis, options);
        var second = new RedisFairShareLedger(redis, options);
        var account = $"proj-{Guid.NewGuid():N}";

        await first.AddAsync(account, "ann", 1000, Start, CancellationToken.None);
        await second.AddAsync(account, "ann", 100, Start + Hour, CancellationToken.None);
        await second.AddAsync(account, "bob", 40, Start + Hour, CancellationToken.None);

        var now = await first.ReadAsync(Start + Hour, CancellationToken.None);
        Assert.Equal(600, now.Single(e => e.Account == account && e.User == "ann").Usage, 6);
        Assert.Equal(40, now.Single(e => e.Account == account && e.User == "bob").Usage, 6);
        var later = await second.ReadAsync(Start + (2 * Hour), CancellationToken.None);
        Assert.Equal(300, later.Single(e => e.Account == account && e.User == "ann").Usage, 6);
    }

    [SkippableFact]
    public async Task AddAsync_FromAReplicaWhoseClockIsBehind_AddsWithoutDecayingBackwards()
    {
        await using var redis = await ConnectAsync();
        var ledger = new RedisFairShareLedger(redis, Options.Create(new FairShareOptions { HalfLifeMinutes = 60 }));
        var account = $"proj-{Guid.NewGuid():N}";

        await ledger.AddAsync(account, "ann", 1000, Start + Hour, CancellationToken.None);
        await ledger.AddAsync(account, "ann", 10, Start, CancellationToken.None);

        var entries = await ledger.ReadAsync(Start + Hour, CancellationToken.None);
        Assert.Equal(1010, entries.Single(e => e.Account == account).Usage, 6);
    }

    [SkippableFact]
    public async Task ReadAsync_UsageDecayedToNothing_IsDeletedFromRedis_AndTheRestKept()
    {
        await using var redis = await ConnectAsync();
        var ledger = new RedisFairShareLedger(redis, Options.Create(new FairShareOptions { HalfLifeMinutes = 60 }));
        var account = $"proj-{Guid.NewGuid():N}";
        await ledger.AddAsync(account, "ann", 1_000_000, Start, CancellationToken.None);
        await ledger.AddAsync(account, "bob", 1_000_000, Start, CancellationToken.None);
        await ledger.AddAsync(account, "cid", 10, Start + (30 * Hour), CancellationToken.None);

        var entries = await ledger.ReadAsync(Start + (30 * Hour), CancellationToken.None);

        Assert.Equal(["cid"], entries.Where(e => e.Account == account).Select(e => e.User));
        var fields = (await redis.GetDatabase().HashKeysAsync(RedisFairShareLedger.Key)).Select(f => f.ToString()).Where(f => f.StartsWith(account, StringComparison.Ordinal)).ToList();
        Assert.Equal([account + "\u001fcid"], fields);
    }

    internal static async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var url = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_REDIS");
        if (string.IsNullOrEmpty(url))
        {
            if (Environment.GetEnvironmentVariable(Broker.RequireVariable) == "1")
            {
                throw new InvalidOperationException("BROKERGATEWAY_TESTS_REDIS is not set; test.sh starts Redis");
            }

            Skip.If(true, "BROKERGATEWAY_TESTS_REDIS is not set; run ./test.sh, which starts Redis");
        }

        return await ConnectionMultiplexer.ConnectAsync(RedisRateCounter.Configuration(url!));
    }
}
