using System.Threading.Channels;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// Consumes the queue of every endpoint this dispatcher serves and its manifest names, connecting
/// new queues as the manifest brings them. Each is taken at most <c>DISPATCHER_CONCURRENCY</c>
/// requests at a time, or the entry's <c>max_concurrency</c> if lower (the broker prefetch is the
/// same, so what this dispatcher cannot start yet stays on the queue for others); a change of
/// <c>max_concurrency</c> reconnects the queue, which waits for the calls in flight on it. The
/// interactive queue is declared with its bound (<c>RABBITMQ_QUEUE_MAX_LENGTH</c>); a queue that
/// already exists with another bound stops the dispatcher at start with a message naming the key.
/// With fair share on (<c>FairShare:Enabled</c>), both queues are RabbitMQ priority queues, and a
/// queue declared without (or with) priorities before stops it the same way; standalone, where the
/// in-memory transport has no priorities, the dispatcher takes what waits off the queue and lets
/// it through its <see cref="PriorityGate"/> in their order.
/// A queue, once consumed, stays consumed until the process stops; a message for an endpoint no
/// longer served is answered as not served.
/// </summary>
internal sealed partial class EndpointQueueConnector(
    ServedEndpoints served,
    ConsumedEndpoints consumed,
    PriorityGates gates,
    ManifestStore manifest,
    IReceiveEndpointConnector connector,
    DispatcherAnnouncer announcer,
    BrokerAdmin admin,
    IOptions<DispatcherOptions> options,
    IOptions<BusOptions> busOptions,
    IHostApplicationLifetime lifetime,
    BusStarted bus,
    ILogger<EndpointQueueConnector> logger) : BackgroundService
{
    private readonly Dictionary<string, Consumption> _consumed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _stopped;

    /// <summary>How many waiting requests a standalone dispatcher with fair share holds for a queue without a bound.</summary>
    private const int UnboundedWaiting = 100_000;

    private static readonly TimeSpan RetryConnect = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(10);

    private sealed record Consumption(HostReceiveEndpointHandle Interactive, HostReceiveEndpointHandle Batch, int Limit);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await bus.WaitAsync(stoppingToken);
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged(StatusManifest _) => changes.Writer.TryWrite(true);
        manifest.Changed += OnChanged;
        try
        {
            await ConnectServedRetryingAsync(stoppingToken);
            await foreach (var _ in changes.Reader.ReadAllAsync(stoppingToken))
            {
                await ConnectServedRetryingAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            manifest.Changed -= OnChanged;
        }
    }

    /// <summary>
    /// Stops taking requests from every queue and waits for the calls in flight to finish (a
    /// dispatcher that is stopping); the broker hands what is still queued to other dispatchers.
    /// </summary>
    public async Task StopConsumingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _stopped = true;
            await Task.WhenAll(_consumed.Values.SelectMany(c => new[] { c.Interactive.StopAsync(cancellationToken), c.Batch.StopAsync(cancellationToken) }));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Connects the served queues; broker trouble meanwhile (a manifest change during a blip) is said in one line and tried again shortly, instead of stopping the dispatcher.</summary>
    private async Task ConnectServedRetryingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await ConnectServedAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (BrokerFaults.IsBrokerTrouble(ex) || ex is TimeoutException or OperationCanceledException))
            {
                LogConnectFailed(logger, RetryConnect.TotalSeconds, ex.GetType().Name);
                await Task.Delay(RetryConnect, cancellationToken);
            }
        }
    }

    private async Task ConnectServedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_stopped || manifest.Current is not { } current)
            {
                return;
            }

            var added = false;
            foreach (var endpointId in served.Current())
            {
                if (current.FindByEndpointId(endpointId) is not { } entry)
                {
                    continue;
                }

                var limit = Math.Min(options.Value.Concurrency, entry.MaxConcurrency ?? int.MaxValue);
                if (_consumed.TryGetValue(endpointId, out var existing))
                {
                    if (existing.Limit == limit)
                    {
                        continue;
                    }

                    LogReconnecting(logger, endpointId, existing.Limit, limit);
                    await Task.WhenAll(existing.Interactive.StopAsync(cancellationToken), existing.Batch.StopAsync(cancellationToken));
                    _consumed.Remove(endpointId);
                }
                else if (!await QueueArgumentsMatchAsync(endpointId, cancellationToken))
                {
                    return;
                }

                _consumed[endpointId] = await ConnectAsync(endpointId, limit, cancellationToken);
                added |= consumed.Add(endpointId);
                LogConsuming(logger, endpointId, limit);
            }

            if (added)
            {
                await announcer.AnnounceAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Connects the endpoint's two queues and waits until both are consumed. If either is not
    /// (the broker went away meanwhile), what was connected is removed again before the fault goes
    /// on, so that the next try connects them afresh: MassTransit refuses a second receive endpoint
    /// of the same name, and a fault once reported by a handle stays reported.
    /// </summary>
    private async Task<Consumption> ConnectAsync(string endpointId, int limit, CancellationToken cancellationToken)
    {
        var bus = busOptions.Value;
        var arguments = QueueNames.InteractiveQueueArguments(bus.QueueMaxLength, bus.FairShare, bus.Quorum);
        var batchArguments = QueueNames.BatchQueueArguments(bus.FairShare, bus.Quorum);
        var batchLimit = Math.Min(options.Value.BatchConcurrency, limit);

        // Standalone with fair share, what waits is taken off the queue into the gate, which orders it.
        var gated = bus.FairShare && !bus.UsesRabbitMq;
        if (gated)
        {
            gates.Set(QueueNames.ForEndpoint(endpointId), limit);
            gates.Set(QueueNames.ForEndpointBatch(endpointId), batchLimit);
        }

        HostReceiveEndpointHandle? interactive = null;
        HostReceiveEndpointHandle? batch = null;
        try
        {
            interactive = connector.ConnectReceiveEndpoint(QueueNames.ForEndpoint(endpointId), (context, endpoint) =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConfigureConsumer<SubmitCompletionConsumer>(context);
                endpoint.PrefetchCount = gated ? GatedTake(limit, bus.QueueMaxLength) : limit;
                endpoint.ConcurrentMessageLimit = endpoint.PrefetchCount;
                SetArguments(endpoint, arguments);
            });
            await interactive.Ready.WaitAsync(cancellationToken);

            // Batch lines come on a queue of their own, taken a few at a time, so that a long
            // batch leaves the endpoint's capacity to interactive callers.
            batch = connector.ConnectReceiveEndpoint(QueueNames.ForEndpointBatch(endpointId), (context, endpoint) =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConfigureConsumer<SubmitCompletionConsumer>(context);
                endpoint.PrefetchCount = gated ? GatedTake(batchLimit, 0) : batchLimit;
                endpoint.ConcurrentMessageLimit = endpoint.PrefetchCount;
                SetArguments(endpoint, batchArguments);
            });
            await batch.Ready.WaitAsync(cancellationToken);
            return new Consumption(interactive, batch, limit);
        }
        catch
        {
            await RemoveAsync(interactive);
            await RemoveAsync(batch);
            throw;
        }
    }

    private async Task RemoveAsync(HostReceiveEndpointHandle? handle)
    {
        if (handle is null)
        {
            return;
        }

        try
        {
            await handle.StopAsync(CancellationToken.None).WaitAsync(RemoveTimeout);
        }
        catch (Exception ex) when (BrokerFaults.IsBrokerTrouble(ex) || ex is TimeoutException)
        {
            // Stopping an endpoint whose broker is away may itself fail; it is removed all the same.
            LogRemoveFailed(logger, handle.ReceiveEndpoint.InputAddress, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Declares the endpoint's two queues with their arguments before MassTransit does: RabbitMQ
    /// refuses a queue that exists with other arguments (another bound, priorities or none), and
    /// MassTransit would retry that refusal for ever. This stops the dispatcher instead, saying
    /// which key and which queue.
    /// </summary>
    private async Task<bool> QueueArgumentsMatchAsync(string endpointId, CancellationToken cancellationToken)
    {
        var bus = busOptions.Value;
        if (!bus.UsesRabbitMq)
        {
            return true;
        }

        foreach (var (queue, arguments) in new[]
        {
            (QueueNames.ForEndpoint(endpointId), QueueNames.InteractiveQueueArguments(bus.QueueMaxLength, bus.FairShare, bus.Quorum)),
            (QueueNames.ForEndpointBatch(endpointId), QueueNames.BatchQueueArguments(bus.FairShare, bus.Quorum)),
        })
        {
            try
            {
                await admin.DeclareAsync(queue, arguments, cancellationToken);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
            {
                if (ex.ShutdownReason.ReplyText?.Contains("x-queue-type", StringComparison.Ordinal) == true)
                {
                    LogQueueTypeMismatch(logger, BusOptions.QueueTypeKey, queue, bus.Quorum ? BusOptions.QuorumQueues : BusOptions.ClassicQueues);
                }
                else if (ex.ShutdownReason.ReplyText?.Contains("x-max-priority", StringComparison.Ordinal) == true)
                {
                    LogPriorityMismatch(logger, BusOptions.FairShareKey, queue, bus.FairShare ? "without priorities" : "as a priority queue", bus.FairShare ? "as a priority queue" : "without priorities");
                }
                else
                {
                    LogQueueMismatch(logger, BusOptions.QueueMaxLengthKey, bus.QueueMaxLength, queue);
                }

                Environment.ExitCode = ConfigurationErrors.ExitCode;
                lifetime.StopApplication();
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// How many requests a standalone dispatcher with fair share takes off a queue at once: its
    /// calls and as many as may wait (the queue's bound), so that those waiting are ordered by its
    /// gate rather than by the in-memory queue, which knows no priorities.
    /// </summary>
    private static int GatedTake(int limit, int maxLength) =>
        (int)Math.Min(limit + (long)(maxLength > 0 ? maxLength : UnboundedWaiting), int.MaxValue);

    private static void SetArguments(IReceiveEndpointConfigurator endpoint, IReadOnlyDictionary<string, object?> arguments)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            foreach (var (key, value) in arguments)
            {
                rabbit.SetQueueArgument(key, value);
            }
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not connect the endpoint queues ({Reason}): the broker is away or refused; trying again in {Seconds} s")]
    private static partial void LogConnectFailed(ILogger logger, double seconds, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "A half-connected queue ({Queue}) could not be stopped cleanly ({Reason}) before connecting it again")]
    private static partial void LogRemoveFailed(ILogger logger, Uri queue, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Consuming the queue of endpoint {EndpointId}, {Limit} requests at a time")]
    private static partial void LogConsuming(ILogger logger, string endpointId, int limit);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "The queue of endpoint {EndpointId} is reconnected to take {Limit} requests at a time instead of {Previous} (max_concurrency changed); its calls in flight finish first")]
    private static partial void LogReconnecting(ILogger logger, string endpointId, int previous, int limit);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Critical, Message = "Configuration error: {Key}: the queue {Queue} exists with another bound than {Value}. Give every dispatcher the same value, or delete the queue while no request waits in it (rabbitmqctl delete_queue {Queue}) so that it is declared again")]
    private static partial void LogQueueMismatch(ILogger logger, string key, int value, string queue);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Critical, Message = "Configuration error: {Key}: the queue {Queue} exists {Existing}, and this dispatcher would declare it {Wanted}. Give every dispatcher the same value; to change it, stop the queue's dispatchers and delete the queue once no request waits in it (rabbitmqctl delete_queue {Queue}; for a batch queue, after its lines are done), so that it is declared again")]
    private static partial void LogPriorityMismatch(ILogger logger, string key, string queue, string existing, string wanted);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Critical, Message = "Configuration error: {Key}: the queue {Queue} exists of another type than {Wanted}, and RabbitMQ does not change a queue's type. Give every dispatcher the same value; to change it, stop the queue's dispatchers, let it empty (for a batch queue, let the batches finish), delete it (rabbitmqctl delete_queue {Queue}) and start the dispatchers with the new value, which declare it again")]
    private static partial void LogQueueTypeMismatch(ILogger logger, string key, string queue, string wanted);
}
