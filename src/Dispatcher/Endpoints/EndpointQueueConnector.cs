using System.Threading.Channels;
using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// Consumes the queue of every endpoint this dispatcher serves, connecting new queues as the
/// manifest brings new mock entries. A queue, once consumed, stays consumed until the process stops;
/// a message for an endpoint no longer served is answered as not served. A queue that cannot be
/// consumed stops the service rather than leave it half-started.
/// </summary>
public sealed partial class EndpointQueueConnector(
    ServedEndpoints served,
    ConsumedEndpoints consumed,
    ManifestStore manifest,
    IReceiveEndpointConnector connector,
    DispatcherAnnouncer announcer,
    IOptions<DispatcherOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<EndpointQueueConnector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WaitAsync(stoppingToken);
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged(Contracts.Manifest.StatusManifest _) => changes.Writer.TryWrite(true);
        manifest.Changed += OnChanged;
        try
        {
            await ConnectServedAsync(stoppingToken);
            await foreach (var _ in changes.Reader.ReadAllAsync(stoppingToken))
            {
                await ConnectServedAsync(stoppingToken);
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

    private async Task ConnectServedAsync(CancellationToken cancellationToken)
    {
        var added = false;
        foreach (var endpointId in served.Current())
        {
            if (consumed.Contains(endpointId))
            {
                continue;
            }

            var handle = connector.ConnectReceiveEndpoint(QueueNames.ForEndpoint(endpointId), (context, endpoint) =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConfigureConsumer<SubmitCompletionConsumer>(context);
            });
            await handle.Ready.WaitAsync(cancellationToken);

            // Batch lines come on a queue of their own, taken a few at a time, so that a long
            // batch leaves the endpoint's capacity to interactive callers.
            var batchConcurrency = options.Value.BatchConcurrency;
            var batch = connector.ConnectReceiveEndpoint(QueueNames.ForEndpointBatch(endpointId), (context, endpoint) =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConfigureConsumer<SubmitCompletionConsumer>(context);
                endpoint.PrefetchCount = batchConcurrency;
                endpoint.ConcurrentMessageLimit = batchConcurrency;
            });
            await batch.Ready.WaitAsync(cancellationToken);
            consumed.Add(endpointId);
            added = true;
            LogConsuming(logger, endpointId);
        }

        if (added)
        {
            await announcer.AnnounceAsync(cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Consuming the queue of endpoint {EndpointId}")]
    private static partial void LogConsuming(ILogger logger, string endpointId);
}
