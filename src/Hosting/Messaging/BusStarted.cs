using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// Completes once the bus has started: a hosted service registered right after MassTransit's own,
/// and hosted services start one after the other. Background work that publishes or sends waits
/// for it, so it never races the bus's start — and no longer than that: an ingress asks for the
/// manifest before its web server starts listening. Where no bus is added (a consumer under a test
/// harness), the application's start stands in for it.
/// </summary>
public sealed class BusStarted(IHostApplicationLifetime lifetime, TimeProvider time) : IHostedService
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _startedAtTicks;

    /// <summary>When the bus had started (null before): from then on this process hears what is broadcast to it.</summary>
    public DateTimeOffset? StartedAt => Interlocked.Read(ref _startedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

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
        Interlocked.Exchange(ref _startedAtTicks, time.GetUtcNow().UtcTicks);
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
