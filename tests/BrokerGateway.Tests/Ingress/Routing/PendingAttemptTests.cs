using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress.Routing;

public class PendingAttemptTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task EndOnLoss_TheConnectionItWasSentOverIsLost_TheWaitEndsAtOnceAsBrokerLost()
    {
        var attempt = new PendingAttempt(Guid.NewGuid(), 1, "an-endpoint", batch: false, _time);
        using var connection = new CancellationTokenSource();
        attempt.EndOnLoss(connection.Token);
        Assert.False(attempt.Taken.Task.IsCompleted);

        await connection.CancelAsync();

        Assert.True(attempt.Taken.Task.IsCompleted);
        Assert.Equal(AttemptInterruption.BrokerLost, attempt.Interruption);
        Assert.Equal(CompletionOutcome.NotServed, (await attempt.Result.Task).Outcome);
    }

    [Fact]
    public async Task EndOnLoss_AnAnswerCameFirst_TheLossChangesNothing()
    {
        var id = Guid.NewGuid();
        var attempt = new PendingAttempt(id, 1, "an-endpoint", batch: false, _time);
        using var connection = new CancellationTokenSource();
        attempt.EndOnLoss(connection.Token);

        Assert.True(attempt.TryComplete(new CompletionResult(id, 1, "an-endpoint", CompletionOutcome.Answered, 200, "{}", null)));
        await connection.CancelAsync();

        Assert.Null(attempt.Interruption);
        Assert.Equal(200, (await attempt.Result.Task).StatusCode);
    }

    [Fact]
    public void EndOnLoss_AConnectionAlreadyLost_EndsTheWaitAtOnce()
    {
        var attempt = new PendingAttempt(Guid.NewGuid(), 1, "an-endpoint", batch: false, _time);

        attempt.EndOnLoss(new CancellationToken(canceled: true));

        Assert.Equal(AttemptInterruption.BrokerLost, attempt.Interruption);
    }
}
