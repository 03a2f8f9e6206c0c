using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Watches what the broker holds for this ingress's requests, so that a request waiting on a queue
/// waits exactly as long as waiting can help: every <c>Routing:QueueCheckMilliseconds</c> it reads
/// each Live endpoint's queue (requests waiting, consumers) and checks that the dispatchers holding
/// this ingress's requests still have their own queues (a dispatcher that dies loses its queue at
/// once). Then it ends the waits that cannot end well: requests still queued for an endpoint
/// nobody consumes any more (by the broker's count, or because no dispatcher announces it now), and requests taken by a dispatcher that is gone when no other is left
/// to take them over. A request on a queue that is consumed waits, however long the queue, within
/// its deadline. Every few checks it reads the batch queues' depths too, for operators. When this ingress loses the broker, every wait ends at once. Standalone (in memory)
/// nothing is read and only the broker rule applies: the dispatcher lives in the same process.
/// </summary>
internal sealed partial class QueueWatch(
    BrokerAdmin admin,
    EndpointQueues queues,
    BrokerConnection broker,
    PendingAttempts pending,
    DispatcherRegistry dispatchers,
    ManifestStore manifest,
    TimeProvider time,
    IOptions<BusOptions> bus,
    IOptions<RoutingOptions> options,
    BusStarted busStarted,
    ILogger<QueueWatch> logger) : BackgroundService
{
    /// <summary>How long after the broker's return an unconsumed queue is not taken for one (dispatchers reconnect every second or two).</summary>
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(5);

    private TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.QueueCheckMilliseconds);

    private int _rounds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await busStarted.WaitAsync(stoppingToken);
        await Task.WhenAll(WatchQueuesAsync(stoppingToken), WatchLossesAsync(stoppingToken));
    }

    private async Task WatchQueuesAsync(CancellationToken stoppingToken)
    {
        var inspect = bus.Value.UsesRabbitMq;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var losing = broker.Losing;
                if (inspect && broker.IsUp)
                {
                    // A broker that stops answering mid-round (no reset, only silence) is given up at the loss.
                    using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, losing);
                    try
                    {
                        await CheckAsync(round.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                }

                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Ends every wait the moment the connection is lost: whatever this ingress waits for would have
    /// to come through it. A loop of its own, so that no round of questions to the broker (which a
    /// dying connection may hold up) can delay it.
    /// </summary>
    private async Task WatchLossesAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await broker.Lost.WaitAsync(stoppingToken);
                var ended = pending.All.Count(p => p.Interrupt(AttemptInterruption.BrokerLost));
                LogBrokerLost(logger, ended);
                queues.Forget();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: read the queues, then end the waits that cannot end well.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (manifest.Current is not { } current)
        {
            return;
        }

        // Right after the broker is back, the dispatchers are reconnecting: a queue without consumers
        // then says nothing yet, and requests wait for them rather than being turned away.
        var reconnecting = broker.SinceBack < ReconnectGrace;
        foreach (var entry in current.Entries)
        {
            if (entry.Status == EndpointStatus.Live && await admin.InspectAsync(QueueNames.ForEndpoint(entry.EndpointId), cancellationToken) is { } info
                && !(reconnecting && info.Consumers == 0))
            {
                queues.Record(entry.EndpointId, info.Messages, info.Consumers);
            }
        }

        if (_rounds++ % EndpointQueues.BatchEvery == 0)
        {
            foreach (var entry in current.Entries.Where(e => e.Status == EndpointStatus.Live))
            {
                if (await admin.InspectAsync(QueueNames.ForEndpointBatch(entry.EndpointId), cancellationToken) is { } batch)
                {
                    queues.RecordBatch(entry.EndpointId, batch.Messages);
                }
            }
        }

        // The dispatchers holding requests of this ingress: does each still have its own queue?
        var gone = new HashSet<Uri>();
        foreach (var address in pending.All.Select(p => p.AcceptedBy?.DispatcherAddress).OfType<Uri>().Distinct())
        {
            if (await admin.InspectAsync(address.Segments[^1], cancellationToken) is { Consumers: 0 })
            {
                gone.Add(address);
            }
        }

        Sweep(gone);
    }

    /// <summary>Ends the waits of requests that no dispatcher can answer any more.</summary>
    internal void Sweep(IReadOnlySet<Uri> goneDispatchers)
    {
        foreach (var attempt in pending.All)
        {
            var unconsumed = queues.IsSurelyUnconsumed(attempt.EndpointId) || !dispatchers.IsServed(attempt.EndpointId);
            if (!attempt.IsTaken)
            {
                if (unconsumed)
                {
                    attempt.Interrupt(AttemptInterruption.NoConsumer);
                }

                continue;
            }

            // A dispatcher that dies leaves its requests to the broker, which hands them to another
            // consumer of the queue (a stream is not replayed: its dispatcher refuses the redelivery).
            if (attempt.AcceptedBy is { } accepted && goneDispatchers.Contains(accepted.DispatcherAddress)
                && (unconsumed || attempt.Stream is { IsStarted: true }))
            {
                if (attempt.Interrupt(AttemptInterruption.DispatcherLost))
                {
                    LogDispatcherLost(logger, attempt.RequestId, attempt.EndpointId);
                }
            }
        }
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Lost the broker: {Count} requests in flight end with 503 broker_unavailable")]
    private static partial void LogBrokerLost(ILogger logger, int count);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "Request {RequestId}: the dispatcher that took it for {EndpointId} is gone")]
    private static partial void LogDispatcherLost(ILogger logger, Guid requestId, string endpointId);
}
