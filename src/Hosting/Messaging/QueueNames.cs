namespace BrokerGateway.Hosting.Messaging;

/// <summary>The queue names every service agrees on, and the arguments an endpoint's queue is declared with.</summary>
public static class QueueNames
{
    /// <summary>The competing-consumer queue the manifest watchers answer <c>GetCurrentManifest</c> on.</summary>
    public const string ManifestWatcher = "bg-manifest-watcher";

    /// <summary>The queue of one endpoint_id: the ingress sends to it, that endpoint's dispatchers consume it.</summary>
    public static string ForEndpoint(string endpointId) => "bg-endpoint-" + endpointId;

    /// <summary>The queue of one endpoint_id's batch lines: consumed beside the interactive one, with a smaller share.</summary>
    public static string ForEndpointBatch(string endpointId) => "bg-endpoint-" + endpointId + "-batch";

    public static Uri AddressOf(string queue) => new("queue:" + queue);

    /// <summary>
    /// Where senders put a request for a queue: the exchange of the same name, which the consuming
    /// dispatcher declares and binds to its queue. Sending there never declares the queue itself,
    /// so the queue's arguments (its bound) are the dispatcher's alone and cannot clash.
    /// </summary>
    public static Uri ExchangeOf(string queue) => new("exchange:" + queue);

    /// <summary>
    /// The arguments of an endpoint's interactive queue: with a bound, RabbitMQ refuses (nacks) a
    /// request past <paramref name="maxLength"/> waiting ones instead of letting the queue grow.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> InteractiveQueueArguments(int maxLength) =>
        maxLength > 0
            ? new Dictionary<string, object?> { ["x-max-length"] = maxLength, ["x-overflow"] = "reject-publish" }
            : new Dictionary<string, object?>();
}
