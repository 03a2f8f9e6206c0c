using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress;

public class EndpointHealthTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly EndpointHealth _health;

    public EndpointHealthTests()
    {
        _health = new EndpointHealth(_time, Options.Create(new RoutingOptions { FailuresBeforeCooldown = 3, CooldownSeconds = 30, MaxCooldownSeconds = 300 }));
    }

    private void Fail(int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(_health.TryAcquire("e", out var probe));
            _health.RecordFailure("e", "http_500", probe: probe);
        }
    }

    [Fact]
    public void ThreeConsecutiveFailures_CoolTheEndpointDownFor30Seconds()
    {
        Fail(2);
        Assert.True(_health.IsAvailable("e"));

        Fail(1);

        Assert.False(_health.IsAvailable("e"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), _health.CoolingUntil("e"));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(_health.TryAcquire("e", out _));
    }

    [Fact]
    public void ASuccessBetweenFailures_ResetsTheCount()
    {
        Fail(2);
        _health.RecordSuccess("e");
        Fail(2);

        Assert.True(_health.IsAvailable("e"));
    }

    [Fact]
    public void AfterTheCooldown_OneProbeIsAdmittedAndItsSuccessRestoresTheEndpoint()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(_health.TryAcquire("e", out var probe));
        Assert.True(probe);
        Assert.False(_health.TryAcquire("e", out _));
        var change = _health.RecordSuccess("e");

        Assert.NotNull(change);
        Assert.Null(change.CoolingUntil);
        Assert.True(_health.TryAcquire("e", out probe));
        Assert.False(probe);
        Assert.True(_health.TryAcquire("e", out _));
    }

    [Fact]
    public void AFailedProbe_DoublesTheCooldownUpToTheCap()
    {
        Fail(3);
        var cooldowns = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(_health.CoolingUntil("e")!.Value - _time.GetUtcNow());
            Assert.True(_health.TryAcquire("e", out var probe));
            var change = _health.RecordFailure("e", "http_500", probe: probe)!;
            cooldowns.Add((change.CoolingUntil!.Value - _time.GetUtcNow()).TotalSeconds);
        }

        Assert.Equal([60, 120, 240, 300, 300, 300], cooldowns);
    }

    [Fact]
    public void RetryAfter_CoolsDownForThatLongAtOnce()
    {
        Assert.True(_health.TryAcquire("e", out _));
        var change = _health.RecordFailure("e", "http_429", retryAfterSeconds: 7);

        Assert.Equal(_time.GetUtcNow().AddSeconds(7), change!.CoolingUntil);
        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.True(_health.TryAcquire("e", out _));
    }

    [Fact]
    public void AnotherReplicasReport_IsApplied_ButOwnReportsAreIgnored()
    {
        var other = new EndpointHealth(_time, Options.Create(new RoutingOptions()));
        var change = other.RecordFailure("e", "unreachable", retryAfterSeconds: 60)!;

        _health.Apply(change);
        Assert.False(_health.IsAvailable("e"));
        Assert.Equal("unreachable", _health.LastErrorKind("e"));

        _health.Apply(other.RecordSuccess("e")!);
        Assert.True(_health.IsAvailable("e"));

        Fail(3);
        _health.Apply(_health.RecordSuccess("e")! with { CoolingUntil = _time.GetUtcNow().AddHours(1) });
        Assert.True(_health.IsAvailable("e"));
    }

    [Fact]
    public void AReleasedProbe_LetsTheNextRequestProbe()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_health.TryAcquire("e", out var probe));

        _health.Release("e", probe);

        Assert.True(_health.TryAcquire("e", out _));
    }

    [Fact]
    public void FailuresOfAttemptsInFlight_DuringTheCooldown_NeitherExtendNorDoubleIt()
    {
        // Ten attempts were in flight when the endpoint broke: three trip the cooldown, the other
        // seven fail during it. One incident, one cooldown of CooldownSeconds.
        var claims = new List<bool>();
        for (var i = 0; i < 10; i++)
        {
            Assert.True(_health.TryAcquire("e", out var probe));
            claims.Add(probe);
        }

        Assert.DoesNotContain(true, claims);
        var changes = claims.Select(probe => _health.RecordFailure("e", "unreachable", probe: probe)).ToArray();

        Assert.Single(changes, c => c is not null);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), _health.CoolingUntil("e"));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(_health.RecordFailure("e", "timeout"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), _health.CoolingUntil("e"));
    }

    [Fact]
    public void AFailureOfAnOldAttemptWhileTheProbeRuns_IsNotTakenForTheProbe()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_health.TryAcquire("e", out var probe));
        Assert.True(probe);

        // An attempt sent before the incident times out only now: the probe is still running.
        Assert.Null(_health.RecordFailure("e", "timeout"));
        Assert.False(_health.TryAcquire("e", out _));

        // The probe's own failure doubles the cooldown, once.
        var change = _health.RecordFailure("e", "http_500", probe: true)!;
        Assert.Equal(_time.GetUtcNow().AddSeconds(60), change.CoolingUntil);
    }

    /// <summary>An endpoint (attempt timeout 10 s) that failed once, cooled down for 30 s, and whose cooldown has just ended.</summary>
    private EndpointHealth PastOneCooldown()
    {
        var health = new EndpointHealth(_time, Options.Create(new RoutingOptions { FailuresBeforeCooldown = 1, CooldownSeconds = 30, AttemptTimeoutSeconds = 10 }));
        Assert.True(health.TryAcquire("e", out _));
        health.RecordFailure("e", "unreachable");
        _time.Advance(TimeSpan.FromSeconds(30));
        return health;
    }

    [Fact]
    public void AProbeThatIsNeverRecorded_LapsesAfterTwiceTheAttemptTimeout()
    {
        var health = PastOneCooldown();
        Assert.True(health.TryAcquire("e", out var probe));
        Assert.True(probe);

        AssertProbeClaimLapsesAfter(health, seconds: 20);
    }

    [Fact]
    public void ALongerRetryAfterDuringACooldown_ExtendsItWithoutDoubling()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(5));

        var change = _health.RecordFailure("e", "http_429", retryAfterSeconds: 120);

        Assert.Equal(_time.GetUtcNow().AddSeconds(120), change!.CoolingUntil);
        _time.Advance(TimeSpan.FromSeconds(120));
        Assert.True(_health.TryAcquire("e", out var probe));
        Assert.Equal(_time.GetUtcNow().AddSeconds(60), _health.RecordFailure("e", "http_500", probe: probe)!.CoolingUntil);
    }

    [Fact]
    public void AProbeWaitingOnABusyQueue_KeepsItsClaimUntilItsDeadlinePlusTheAttemptTimeout()
    {
        var health = PastOneCooldown();
        Assert.True(health.TryAcquire("e", out var probe, probeUntil: _time.GetUtcNow().AddSeconds(120)));
        Assert.True(probe);

        // Twice the attempt timeout is long past, but the probe may still be waiting its turn.
        AssertProbeClaimLapsesAfter(health, seconds: 130);
    }

    /// <summary>No other probe is admitted until <paramref name="seconds"/> have passed; then the next caller is the probe.</summary>
    private void AssertProbeClaimLapsesAfter(EndpointHealth health, int seconds)
    {
        _time.Advance(TimeSpan.FromSeconds(seconds - 1));
        Assert.False(health.TryAcquire("e", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(health.TryAcquire("e", out var probe));
        Assert.True(probe);
    }

    [Fact]
    public void AProbeThatFailsAfterTheEndpointCameBackMeanwhile_CountsAsAnOrdinaryFailure()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_health.TryAcquire("e", out var probe));
        Assert.True(probe);

        // Another replica's probe succeeded first; then this one's late failure arrives.
        var other = new EndpointHealth(_time, Options.Create(new RoutingOptions()));
        other.RecordFailure("e", "unreachable", retryAfterSeconds: 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        _health.Apply(other.RecordSuccess("e")!);
        var change = _health.RecordFailure("e", "http_500", probe: probe);

        Assert.Null(change);
        Assert.Null(_health.CoolingUntil("e"));
        Assert.True(_health.IsAvailable("e"));
    }
}
