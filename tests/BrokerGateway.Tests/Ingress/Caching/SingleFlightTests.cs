using BrokerGateway.Ingress.Caching;

namespace BrokerGateway.Tests.Ingress.Caching;

public sealed class SingleFlightTests
{
    [Fact]
    public async Task ConcurrentCallersForOneKey_ShareOneLookup()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lookups = 0;

        var callers = Enumerable.Range(0, 10)
            .Select(_ => flight.RunAsync("key", _ => { Interlocked.Increment(ref lookups); return release.Task; }, CancellationToken.None))
            .ToArray();
        release.SetResult(42);

        Assert.All(await Task.WhenAll(callers), value => Assert.Equal(42, value));
        Assert.Equal(1, lookups);
    }

    [Fact]
    public async Task AFinishedLookup_IsNotReused()
    {
        var flight = new SingleFlight<string, int>();
        var lookups = 0;

        await flight.RunAsync("key", _ => Task.FromResult(Interlocked.Increment(ref lookups)), CancellationToken.None);
        var second = await flight.RunAsync("key", _ => Task.FromResult(Interlocked.Increment(ref lookups)), CancellationToken.None);

        Assert.Equal(2, second);
    }

    [Fact]
    public async Task OneCallerGivingUp_DoesNotCancelTheLookupForTheOthers()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();

        var first = flight.RunAsync("key", _ => release.Task, impatient.Token);
        var second = flight.RunAsync("key", _ => release.Task, CancellationToken.None);
        await impatient.CancelAsync();
        release.SetResult(7);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(7, await second);
    }

    [Fact]
    public async Task AFailedLookup_FailsItsWaiters_AndTheNextCallTriesAgain()
    {
        var flight = new SingleFlight<string, int>();

        await Assert.ThrowsAsync<InvalidOperationException>(() => flight.RunAsync("key", _ => Task.FromException<int>(new InvalidOperationException()), CancellationToken.None));
        Assert.Equal(5, await flight.RunAsync("key", _ => Task.FromResult(5), CancellationToken.None));
    }
}
