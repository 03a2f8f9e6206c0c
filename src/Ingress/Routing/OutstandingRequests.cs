using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Requests this ingress has in flight per endpoint: what least-outstanding balancing compares.</summary>
internal sealed class OutstandingRequests
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _counts = new(StringComparer.Ordinal);

    public int Get(string endpointId) => _counts.TryGetValue(endpointId, out var box) ? Volatile.Read(ref box.Value) : 0;

    public void Increment(string endpointId) => Interlocked.Increment(ref Box(endpointId).Value);

    public void Decrement(string endpointId) => Interlocked.Decrement(ref Box(endpointId).Value);

    private StrongBox<int> Box(string endpointId) => _counts.GetOrAdd(endpointId, static _ => new StrongBox<int>());
}
