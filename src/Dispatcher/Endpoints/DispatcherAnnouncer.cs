using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// Tells every ingress which endpoint queues this dispatcher consumes: at start, every
/// <c>DISPATCHER_HEARTBEAT_SECONDS</c>, when asked, and, on a graceful stop, that it is gone.
/// </summary>
public sealed class DispatcherAnnouncer(
    ConsumedEndpoints consumed,
    IBus bus,
    IOptions<DispatcherOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime) : BackgroundService, IHostedLifecycleService
{
    /// <summary>This process's id in heartbeats.</summary>
    public string DispatcherId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    private TimeSpan Interval => TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);

    private volatile bool _stopping;

    /// <summary>Publishes a heartbeat, unless this dispatcher has said goodbye: a late one would revive it at every ingress.</summary>
    public Task AnnounceAsync(CancellationToken cancellationToken) =>
        _stopping
            ? Task.CompletedTask
            : bus.Publish(new DispatcherHeartbeat(DispatcherId, consumed.Snapshot(), time.GetUtcNow(), Interval * 3), cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await AnnounceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs before any hosted service stops, the bus included, so the goodbye can still be published.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await bus.Publish(new DispatcherStopped(DispatcherId), timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The ingresses fall back to the heartbeat's expiry.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
