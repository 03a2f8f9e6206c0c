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
            Assert.True(_health.TryAcquire("e"));
            _health.RecordFailure("e", "http_500");
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
        Assert.False(_health.TryAcquire("e"));
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

        Assert.True(_health.TryAcquire("e"));
        Assert.False(_health.TryAcquire("e"));
        var change = _health.RecordSuccess("e");

        Assert.NotNull(change);
        Assert.Null(change.CoolingUntil);
        Assert.True(_health.TryAcquire("e"));
        Assert.True(_health.TryAcquire("e"));
    }

    [Fact]
    public void AFailedProbe_DoublesTheCooldownUpToTheCap()
    {
        Fail(3);
        var cooldowns = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(_health.CoolingUntil("e")!.Value - _time.GetUtcNow());
            Assert.True(_health.TryAcquire("e"));
            var change = _health.RecordFailure("e", "http_500")!;
            cooldowns.Add((change.CoolingUntil!.Value - _time.GetUtcNow()).TotalSeconds);
        }

        Assert.Equal([60, 120, 240, 300, 300, 300], cooldowns);
    }

    [Fact]
    public void RetryAfter_CoolsDownForThatLongAtOnce()
    {
        Assert.True(_health.TryAcquire("e"));
        var change = _health.RecordFailure("e", "http_429", retryAfterSeconds: 7);

        Assert.Equal(_time.GetUtcNow().AddSeconds(7), change!.CoolingUntil);
        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.True(_health.TryAcquire("e"));
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
        Assert.True(_health.TryAcquire("e"));

        _health.Release("e");

        Assert.True(_health.TryAcquire("e"));
    }
}
