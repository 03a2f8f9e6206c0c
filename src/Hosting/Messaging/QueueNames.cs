namespace BrokerGateway.Hosting.Messaging;

/// <summary>The queue names every service agrees on.</summary>
public static class QueueNames
{
    /// <summary>The competing-consumer queue the manifest watchers answer <c>GetCurrentManifest</c> on.</summary>
    public const string ManifestWatcher = "bg-manifest-watcher";

    /// <summary>The queue of one endpoint_id: the ingress sends to it, that endpoint's dispatchers consume it.</summary>
    public static string ForEndpoint(string endpointId) => "bg-endpoint-" + endpointId;

    /// <summary>The queue of one endpoint_id's batch lines: consumed beside the interactive one, with a smaller share.</summary>
    public static string ForEndpointBatch(string endpointId) => "bg-endpoint-" + endpointId + "-batch";

    public static Uri AddressOf(string queue) => new("queue:" + queue);
}
