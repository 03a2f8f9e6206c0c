using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Limits;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress.Limits;

public class GatewayRateLimiterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 5, TimeSpan.Zero));
    private readonly RateLimitOptions _options = new();

    private GatewayRateLimiter Limiter() => new(new MemoryRateCounter(_time), Options.Create(_options), _time, NullLogger<GatewayRateLimiter>.Instance);

    private static CallerIdentity Caller(string user, params string[] groups) => new(user, groups, "jwt");

    [Fact]
    public async Task RequestsPerMinute_ExactlyTheLimitPassesInOneWindow_ThenTheNextWindowResets()
    {
        _options.Default = new RateLimit { RequestsPerMinute = 5 };
        var limiter = Limiter();

        var leases = new List<RateLease>();
        for (var i = 0; i < 8; i++)
        {
            leases.Add(await limiter.AcquireAsync(Caller("alice"), 10, CancellationToken.None));
        }

        Assert.Equal(5, leases.Count(l => l.Error is null));
        var refused = leases[5].Error!;
        Assert.Equal((429, "rate_limit_exceeded"), (refused.Status, refused.Code));
        Assert.Equal(55, refused.RetryAfterSeconds);
        Assert.Equal((5L, 0L), leases[4].Requests);

        _time.Advance(TimeSpan.FromSeconds(55));

        Assert.Null((await limiter.AcquireAsync(Caller("alice"), 10, CancellationToken.None)).Error);
    }

    [Fact]
    public async Task UserOverride_ReplacesTheDefault()
    {
        _options.Default = new RateLimit { RequestsPerMinute = 1 };
        _options.Users["bulk"] = new RateLimit { RequestsPerMinute = 3 };
        var limiter = Limiter();

        var passed = 0;
        for (var i = 0; i < 5; i++)
        {
            passed += (await limiter.AcquireAsync(Caller("bulk"), 1, CancellationToken.None)).Error is null ? 1 : 0;
        }

        Assert.Equal(3, passed);
    }

    [Fact]
    public async Task GroupLimit_IsSharedByItsMembers_AndARefusalTakesBackTheUsersCount()
    {
        _options.Default = new RateLimit { RequestsPerMinute = 10 };
        _options.Groups["physics"] = new RateLimit { RequestsPerMinute = 3 };
        var limiter = Limiter();

        var results = new List<bool>();
        foreach (var user in new[] { "ann", "ben", "ann", "ben" })
        {
            results.Add((await limiter.AcquireAsync(Caller(user, "physics"), 1, CancellationToken.None)).Error is null);
        }

        Assert.Equal([true, true, true, false], results);
        var outsideTheGroup = await limiter.AcquireAsync(Caller("ben"), 1, CancellationToken.None);
        Assert.Equal((10L, 8L), outsideTheGroup.Requests);
    }

    [Fact]
    public async Task TokensPerMinute_EstimateIsCorrectedByTheReportedUsage()
    {
        _options.Default = new RateLimit { TokensPerMinute = 100 };
        var limiter = Limiter();

        var first = await limiter.AcquireAsync(Caller("carl"), 60, CancellationToken.None);
        Assert.Null(first.Error);
        Assert.NotNull((await limiter.AcquireAsync(Caller("carl"), 60, CancellationToken.None)).Error);

        await limiter.CorrectAsync(first, 10, CancellationToken.None);

        var after = await limiter.AcquireAsync(Caller("carl"), 60, CancellationToken.None);
        Assert.Null(after.Error);
        Assert.Equal((100L, 30L), after.Tokens);
    }

    [Fact]
    public async Task NoLimitConfigured_NothingIsCountedAndNoHeadersAreSent()
    {
        var lease = await Limiter().AcquireAsync(Caller("dora"), 10, CancellationToken.None);

        Assert.Same(RateLease.Unlimited, lease);
    }

    [Fact]
    public async Task TokenCorrection_AfterTheWindowTurned_ChargesTheNewWindowWithWhatWasUsed()
    {
        _options.Default = new RateLimit { TokensPerMinute = 100 };
        var limiter = Limiter();
        var lease = await limiter.AcquireAsync(Caller("eve"), 10, CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(60));
        await limiter.CorrectAsync(lease, 70, CancellationToken.None);

        var next = await limiter.AcquireAsync(Caller("eve"), 10, CancellationToken.None);
        Assert.Equal((100L, 20L), next.Tokens);
    }
}
