using BrokerGateway.Dispatcher.Endpoints;

namespace BrokerGateway.Tests.Dispatcher.Endpoints;

public class PriorityGateTests
{
    [Fact]
    public async Task EnterAsync_WhileASlotIsFree_NobodyWaits()
    {
        var gate = new PriorityGate(2);

        var first = gate.EnterAsync(1, CancellationToken.None);
        var second = gate.EnterAsync(9, CancellationToken.None);

        Assert.True(first.IsCompleted);
        Assert.True(second.IsCompleted);
        Assert.Equal(0, gate.Waiting);
        (await first).Dispose();
        (await second).Dispose();
    }

    [Fact]
    public async Task Release_SeveralWaiting_TheHighestPriorityGoesFirst_EqualsInTheOrderTheyCame()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, CancellationToken.None);
        var order = new List<string>();
        async Task Wait(string name, byte priority)
        {
            using var slot = await gate.EnterAsync(priority, CancellationToken.None);
            order.Add(name);
        }

        var waiting = new[] { Wait("low", 1), Wait("high-1", 9), Wait("mid", 5), Wait("high-2", 9), Wait("none", 0) };
        Assert.Equal(5, gate.Waiting);

        holder.Dispose();
        await Task.WhenAll(waiting);

        Assert.Equal(["high-1", "high-2", "mid", "low", "none"], order);
    }

    [Fact]
    public async Task EnterAsync_CancelledWhileWaiting_GivesUpItsPlace_AndTheSlotGoesToTheNext()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, CancellationToken.None);
        using var leaving = new CancellationTokenSource();
        var left = gate.EnterAsync(9, leaving.Token).AsTask();
        var staying = gate.EnterAsync(1, CancellationToken.None).AsTask();

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
        Assert.Equal(1, gate.Waiting);
        Assert.False(staying.IsCompleted);

        holder.Dispose();
        using var slot = await staying.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Dispose_Twice_GivesBackOneSlot()
    {
        var gate = new PriorityGate(1);
        var slot = await gate.EnterAsync(1, CancellationToken.None);
        var next = gate.EnterAsync(1, CancellationToken.None).AsTask();
        var after = gate.EnterAsync(1, CancellationToken.None).AsTask();

        slot.Dispose();
        slot.Dispose();

        using var taken = await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(after.IsCompleted);
        Assert.Equal(1, gate.Waiting);
        taken.Dispose();
        (await after.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
