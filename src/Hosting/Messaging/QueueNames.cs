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
    /// The highest priority a request carries on an endpoint's queue with fair share on (RabbitMQ's
    /// <c>x-max-priority</c>; it recommends at most 10 levels, each costing the broker a sub-queue).
    /// A message without one counts as 0.
    /// </summary>
    public const byte MaxPriority = 10;

    /// <summary>
    /// The arguments of an endpoint's interactive queue: with a bound, RabbitMQ refuses (nacks) a
    /// request past <paramref name="maxLength"/> waiting ones instead of letting the queue grow; with
    /// <paramref name="priorities"/> (fair share), it hands out waiting requests highest priority first;
    /// with <paramref name="quorum"/>, it is a quorum queue, replicated over a cluster's nodes.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> InteractiveQueueArguments(int maxLength, bool priorities = false, bool quorum = false)
    {
        var arguments = new Dictionary<string, object?>();
        if (maxLength > 0)
        {
            arguments["x-max-length"] = maxLength;
            arguments["x-overflow"] = "reject-publish";
        }

        if (priorities)
        {
            arguments["x-max-priority"] = (int)MaxPriority;
        }

        if (quorum)
        {
            arguments["x-queue-type"] = BusOptions.QuorumQueues;
        }

        return arguments;
    }

    /// <summary>
    /// The arguments of an endpoint's batch queue: unbounded (a batch's lines are all sent at once),
    /// a priority queue with fair share on, a quorum queue (replicated over a cluster's nodes) with
    /// <paramref name="quorum"/> — the two do not go together (see <see cref="BusOptions.QueueType"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, object?> BatchQueueArguments(bool priorities, bool quorum = false)
    {
        var arguments = new Dictionary<string, object?>();
        if (priorities)
        {
            arguments["x-max-priority"] = (int)MaxPriority;
        }

        if (quorum)
        {
            arguments["x-queue-type"] = BusOptions.QuorumQueues;
        }

        return arguments;
    }
}
