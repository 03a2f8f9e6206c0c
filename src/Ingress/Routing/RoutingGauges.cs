using System.Diagnostics.Metrics;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Telemetry;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The state of each manifest endpoint as this ingress sees it, read when Prometheus scrapes:
/// whether it is in rotation (<c>brokergateway.endpoint.healthy</c>, 0 while cooling down), how
/// many dispatchers announce it, its interactive and batch queues' depths as last read from the broker (absent
/// standalone, or while the broker cannot be asked), and this ingress's requests outstanding there.
/// </summary>
internal sealed class RoutingGauges(
    GatewayMetrics metrics, ManifestStore manifest, EndpointHealth health, DispatcherRegistry dispatchers, EndpointQueues queues, OutstandingRequests outstanding) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("brokergateway.endpoint.healthy", () => Each(id => health.IsAvailable(id) ? 1 : 0), "1", "1 while the endpoint is in rotation, 0 while it cools down.");
        meter.CreateObservableGauge("brokergateway.endpoint.dispatchers", () => Each(dispatchers.DispatchersFor), "{dispatcher}", "Dispatchers that announce they consume the endpoint's queue.");
        meter.CreateObservableGauge("brokergateway.endpoint.outstanding", () => Each(outstanding.Get), "{request}", "Requests this ingress has sent to the endpoint and waits for.");
        meter.CreateObservableGauge("brokergateway.queue.depth", QueueDepths, "{message}", "Messages waiting on the endpoint's interactive and batch queues, as last read from the broker.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<int>> Each(Func<string, int> read) =>
        (manifest.Current?.Entries ?? []).Select(e => new Measurement<int>(read(e.EndpointId), new KeyValuePair<string, object?>("endpoint", e.EndpointId)));

    private IEnumerable<Measurement<long>> QueueDepths()
    {
        foreach (var entry in manifest.Current?.Entries ?? [])
        {
            if (queues.Queue(entry.EndpointId) is { } interactive)
            {
                yield return new Measurement<long>(interactive.Depth, new KeyValuePair<string, object?>("endpoint", entry.EndpointId), new KeyValuePair<string, object?>("queue", "interactive"));
            }

            if (queues.BatchDepth(entry.EndpointId) is { } batch)
            {
                yield return new Measurement<long>(batch, new KeyValuePair<string, object?>("endpoint", entry.EndpointId), new KeyValuePair<string, object?>("queue", "batch"));
            }
        }
    }
}
