using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>What the broker last said of an endpoint's interactive queue; <see cref="Unconsumed"/> counts the readings in a row that found no consumer.</summary>
internal readonly record struct QueueState(uint Depth, uint Consumers, DateTimeOffset At, int Unconsumed = 0);

/// <summary>
/// What this ingress knows of the endpoints' queues, as <see cref="QueueWatch"/> last read them from
/// the broker. A reading older than three checks is forgotten: unknown counts as consumed and
/// without a backlog, so a broker that cannot be asked changes no routing decision.
/// </summary>
internal sealed class EndpointQueues(TimeProvider time, IOptions<RoutingOptions> options)
{
    /// <summary>Every how many checks the batch queues are read too: their depth is for operators, not for routing.</summary>
    public const int BatchEvery = 5;

    private readonly ConcurrentDictionary<string, QueueState> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (uint Depth, DateTimeOffset At)> _batchQueues = new(StringComparer.Ordinal);

    /// <summary>The endpoint's queue as last read, if it was read lately.</summary>
    public QueueState? Queue(string endpointId) =>
        _queues.TryGetValue(endpointId, out var state) && time.GetUtcNow() - state.At <= 3 * TimeSpan.FromMilliseconds(options.Value.QueueCheckMilliseconds)
            ? state
            : null;

    /// <summary>Whether the broker says, lately, that nobody consumes the endpoint's queue.</summary>
    public bool IsUnconsumed(string endpointId) => Queue(endpointId) is { Consumers: 0 };

    /// <summary>
    /// Whether the broker found no consumer on the endpoint's queue at three readings in a row (two
    /// seconds at the default check): sure enough to end the waits of requests queued there and to
    /// send it no more. Fewer may fall into the dispatchers' reconnection — to another node of a
    /// cluster when theirs was killed, about a second and a half.
    /// </summary>
    public bool IsSurelyUnconsumed(string endpointId) => Queue(endpointId) is { Consumers: 0, Unconsumed: >= 3 };

    /// <summary>Whether the endpoint's queue holds requests no dispatcher has taken yet (all of its dispatchers are busy).</summary>
    public bool HasBacklog(string endpointId) => Queue(endpointId) is { Depth: > 0 };

    public void Record(string endpointId, uint depth, uint consumers)
    {
        var before = Queue(endpointId);
        var unconsumed = consumers > 0 ? 0 : (before?.Unconsumed ?? 0) + 1;
        _queues[endpointId] = new QueueState(depth, consumers, time.GetUtcNow(), unconsumed);
    }

    /// <summary>Batch lines waiting on the endpoint's batch queue, as last read, if read lately.</summary>
    public uint? BatchDepth(string endpointId) =>
        _batchQueues.TryGetValue(endpointId, out var state) && time.GetUtcNow() - state.At <= 3 * BatchEvery * TimeSpan.FromMilliseconds(options.Value.QueueCheckMilliseconds)
            ? state.Depth
            : null;

    public void RecordBatch(string endpointId, uint depth) => _batchQueues[endpointId] = (depth, time.GetUtcNow());

    public void Forget()
    {
        _queues.Clear();
        _batchQueues.Clear();
    }
}
