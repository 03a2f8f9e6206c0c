using System.Collections.Concurrent;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// The <see cref="PriorityGate"/> of each queue a standalone dispatcher consumes with fair share on,
/// by queue name; none over RabbitMQ, where the broker's priority queues order what waits.
/// </summary>
internal sealed class PriorityGates
{
    private readonly ConcurrentDictionary<string, PriorityGate> _gates = new(StringComparer.Ordinal);

    /// <summary>Gives the queue a gate of <paramref name="capacity"/> calls at once (a new one if its capacity changed: calls already let in finish on the old one).</summary>
    public void Set(string queue, int capacity) =>
        _gates.AddOrUpdate(queue, static (_, c) => new PriorityGate(c), static (_, held, c) => held.Capacity == c ? held : new PriorityGate(c), capacity);

    /// <summary>The gate of the queue a message came from (the last segment of its input address), if it has one.</summary>
    public PriorityGate? Find(Uri inputAddress) =>
        _gates.IsEmpty ? null : _gates.GetValueOrDefault(inputAddress.Segments[^1]);
}
