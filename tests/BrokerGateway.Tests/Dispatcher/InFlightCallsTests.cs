using BrokerGateway.Dispatcher.Endpoints;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Dispatcher;

public class InFlightCallsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AWithdrawal_IsRememberedUntilItsTime_ThenForgotten()
    {
        var calls = new InFlightCalls(_time);
        var id = Guid.NewGuid();

        Assert.False(calls.Cancel(id, 1, until: _time.GetUtcNow().AddMinutes(5)));
        _time.Advance(TimeSpan.FromMinutes(4));

        Assert.True(calls.WasWithdrawn(id, 1));
        Assert.False(calls.WasWithdrawn(id, 1));
        Assert.False(calls.WasWithdrawn(id, 2));
    }

    [Fact]
    public void AWithdrawalPastItsTime_OrAlreadyExpired_DropsNothing()
    {
        var calls = new InFlightCalls(_time);
        var late = Guid.NewGuid();
        var expired = Guid.NewGuid();

        calls.Cancel(late, 1, until: _time.GetUtcNow().AddSeconds(30));
        calls.Cancel(expired, 1, until: _time.GetUtcNow().AddSeconds(-1));
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.False(calls.WasWithdrawn(late, 1));
        Assert.False(calls.WasWithdrawn(expired, 1));
    }

    [Fact]
    public void ACancellationOfARunningCall_AbortsIt_AndIsNotRemembered()
    {
        var calls = new InFlightCalls(_time);
        var id = Guid.NewGuid();
        using var call = calls.Begin(id, 1, "an-endpoint", CancellationToken.None);

        Assert.True(calls.Cancel(id, 1, until: _time.GetUtcNow().AddMinutes(5)));

        Assert.True(call.Token.IsCancellationRequested);
        Assert.Equal(0, calls.RememberedCount);
    }

    [Fact]
    public void ExpiredWithdrawals_AreForgottenAsNewOnesArrive()
    {
        var calls = new InFlightCalls(_time);
        for (var i = 0; i < 100; i++)
        {
            calls.Cancel(Guid.NewGuid(), 1, until: _time.GetUtcNow().AddSeconds(10));
        }

        _time.Advance(TimeSpan.FromSeconds(11));
        calls.Cancel(Guid.NewGuid(), 1, until: _time.GetUtcNow().AddSeconds(10));

        Assert.Equal(1, calls.RememberedCount);
    }

    [Fact]
    public void CallsPerEndpoint_CountWhatRunsNow_AndAnEndpointWithNoneIsLeftOut()
    {
        var calls = new InFlightCalls(_time);
        var first = calls.Begin(Guid.NewGuid(), 1, "vllm", CancellationToken.None);
        using var second = calls.Begin(Guid.NewGuid(), 1, "vllm", CancellationToken.None);
        using var third = calls.Begin(Guid.NewGuid(), 1, "openai", CancellationToken.None);
        Assert.Equal(new Dictionary<string, int> { ["vllm"] = 2, ["openai"] = 1 }, calls.PerEndpoint());

        first.Dispose();
        first.Dispose();
        third.Dispose();

        Assert.Equal(new Dictionary<string, int> { ["vllm"] = 1 }, calls.PerEndpoint());
        Assert.Equal(1, calls.Count);
    }
}
