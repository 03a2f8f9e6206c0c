using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting;

public static class HostStarted
{
    /// <summary>
    /// Waits until every hosted service has started, the bus included, so background work that
    /// publishes or sends never races the bus's own start.
    /// </summary>
    public static Task WaitAsync(this IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken).ContinueWith(
            t =>
            {
                registration.Dispose();
                return t;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap();
    }
}
