using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// Tells every ingress which endpoint queues this dispatcher consumes, and how many calls it has in
/// flight for each (what the dashboard shows): at start, every
/// <c>DISPATCHER_HEARTBEAT_SECONDS</c>, when asked — while it drains at a stop, that it consumes
/// none (it is still there, finishing its calls), and at the very end that it is gone.
/// </summary>
internal sealed class DispatcherAnnouncer(
    ConsumedEndpoints consumed,
    InFlightCalls calls,
    IBus bus,
    IOptions<DispatcherOptions> options,
    TimeProvider time,
    BusStarted busStarted) : BackgroundService
{
    /// <summary>The longest the goodbye may hold up the stop.</summary>
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>This process's id in heartbeats.</summary>
    public string DispatcherId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    private TimeSpan Interval => TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);

    private volatile bool _draining;
    private volatile bool _gone;

    /// <summary>Publishes a heartbeat (with no queues while draining), unless this dispatcher has said goodbye: a late one would revive it at every ingress.</summary>
    public Task AnnounceAsync(CancellationToken cancellationToken) =>
        _gone
            ? Task.CompletedTask
            : bus.Publish(new DispatcherHeartbeat(DispatcherId, _draining ? [] : consumed.Snapshot(), time.GetUtcNow(), Interval * 3, calls.PerEndpoint()), cancellationToken);

    /// <summary>From now on this dispatcher announces no queue: ingresses stop counting on it for new requests.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        await AnnounceAsync(cancellationToken);
    }

    /// <summary>The last word: this dispatcher is gone. Until it is said, ingresses still wait for the answers of the requests it holds.</summary>
    public async Task SayGoodbyeAsync(CancellationToken cancellationToken)
    {
        _gone = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(GoodbyeTimeout);
        try
        {
            await bus.Publish(new DispatcherStopped(DispatcherId), timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The ingresses fall back to the heartbeat's expiry.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await busStarted.WaitAsync(stoppingToken);
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
}
