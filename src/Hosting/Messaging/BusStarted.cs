using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// Completes once the bus has started: a hosted service registered right after MassTransit's own,
/// and hosted services start one after the other. Background work that publishes or sends waits
/// for it, so it never races the bus's start — and no longer than that: an ingress asks for the
/// manifest before its web server starts listening. Where no bus is added (a consumer under a test
/// harness), the application's start stands in for it.
/// </summary>
public sealed class BusStarted(IHostApplicationLifetime lifetime) : IHostedService
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (_started.Task.IsCompleted || lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return;
        }

        var application = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => application.TrySetResult());
        await Task.WhenAny(_started.Task, application.Task).WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
