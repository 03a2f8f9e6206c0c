using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting;

public static class HostStarted
{
    /// <summary>
    /// Waits until every hosted service has started, the bus included, so background work that
    /// publishes or sends never races the bus's own start.
    /// </summary>
    public static async Task WaitAsync(this IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(cancellationToken);
    }
}
