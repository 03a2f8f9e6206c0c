using Microsoft.Extensions.Logging;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// Broker work that a consumer of a service's own queue starts and does not wait for. A consumer
/// that waits on the broker keeps its queue's receive endpoint from completing when the connection
/// dies: RabbitMQ's client (7.2.2) can leave a send on a dead connection hanging until its
/// heartbeat gives up, 20 s and more, and the loss (<see cref="BrokerConnection.Lost"/>), which
/// should end every wait on the broker at once, is seen only then. The work gets a deadline of its
/// own and is given up at the loss; broker trouble goes to the caller's <c>givenUp</c>, anything
/// else is logged here as a warning, since no consumer is left to fault with it.
/// </summary>
public static partial class BesideConsumer
{
    public static void Start(BrokerConnection broker, TimeSpan timeout, Func<CancellationToken, Task> work, Action<string> givenUp, ILogger logger) =>
        _ = RunAsync(broker, timeout, work, givenUp, logger);

    private static async Task RunAsync(BrokerConnection broker, TimeSpan timeout, Func<CancellationToken, Task> work, Action<string> givenUp, ILogger logger)
    {
        if (!broker.IsUp)
        {
            givenUp("the connection is lost");
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(broker.Losing);
        deadline.CancelAfter(timeout);
        try
        {
            await work(deadline.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            givenUp(ex.GetType().Name);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "A message sent beside a consumer failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
