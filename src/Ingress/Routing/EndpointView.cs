using System.Text.Json.Serialization;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Every manifest entry as this ingress sees it now: its status, health, the dispatchers that
/// consume its queue and their calls in flight (as of their last heartbeats), and its queues'
/// depths (as last read from the broker; null standalone or while the broker cannot be asked).
/// URLs are shown without credentials or query; keys never. What <c>/v1/endpoints</c> lists and
/// the dashboard shows.
/// </summary>
internal sealed class EndpointView(ManifestStore manifest, EndpointHealth health, DispatcherRegistry dispatchers, EndpointQueues queues)
{
    /// <summary>The entries <paramref name="visible"/> lets through; null while no manifest is loaded.</summary>
    public IReadOnlyList<EndpointInfo>? List(Func<ManifestEntry, bool> visible)
    {
        if (manifest.Current is not { } current)
        {
            return null;
        }

        var data = new List<EndpointInfo>(current.Entries.Count);
        foreach (var entry in current.Entries.Where(visible))
        {
            var coolingUntil = health.CoolingUntil(entry.EndpointId);
            var count = dispatchers.DispatchersFor(entry.EndpointId);
            data.Add(new EndpointInfo(
                entry.Name,
                entry.EndpointId,
                entry.Model,
                entry.Description,
                entry.Status.ToString(),
                entry.Experts,
                SafeUrl(entry),
                entry.Weight,
                new EndpointHealthInfo(coolingUntil is null ? "healthy" : "cooling_down", coolingUntil, health.LastErrorKind(entry.EndpointId)),
                count > 0 && !queues.IsUnconsumed(entry.EndpointId),
                count,
                queues.Queue(entry.EndpointId)?.Depth,
                queues.BatchDepth(entry.EndpointId),
                count > 0 ? dispatchers.CallsFor(entry.EndpointId) : 0));
        }

        return data;
    }

    private static string SafeUrl(ManifestEntry entry) =>
        Uri.TryCreate(entry.Url, UriKind.Absolute, out var uri)
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : string.Empty;
}

internal sealed record EndpointInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("endpoint_id")] string EndpointId,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("experts")] IReadOnlyList<string> Experts,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("health")] EndpointHealthInfo Health,
    [property: JsonPropertyName("dispatcher_consuming")] bool DispatcherConsuming,
    [property: JsonPropertyName("dispatchers")] int Dispatchers,
    [property: JsonPropertyName("queue_depth")] uint? QueueDepth,
    [property: JsonPropertyName("batch_queue_depth")] uint? BatchQueueDepth,
    [property: JsonPropertyName("calls_in_flight")] int? CallsInFlight);

internal sealed record EndpointHealthInfo(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("cooling_until")] DateTimeOffset? CoolingUntil,
    [property: JsonPropertyName("last_error")] string? LastError);
