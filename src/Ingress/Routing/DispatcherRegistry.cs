using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Which endpoint queues have a live dispatcher, learnt from heartbeats. A heartbeat counts from
/// when it arrived here (not the sender's clock) for as long as it says it is valid.
/// </summary>
internal sealed class DispatcherRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Registration> _dispatchers = new(StringComparer.Ordinal);

    public void Record(DispatcherHeartbeat heartbeat) =>
        _dispatchers[heartbeat.DispatcherId] = new Registration(heartbeat.EndpointIds.ToHashSet(StringComparer.Ordinal), time.GetUtcNow() + heartbeat.ValidFor);

    public void Remove(string dispatcherId) => _dispatchers.TryRemove(dispatcherId, out _);

    public bool IsServed(string endpointId)
    {
        var now = time.GetUtcNow();
        foreach (var registration in _dispatchers.Values)
        {
            if (registration.ValidUntil > now && registration.EndpointIds.Contains(endpointId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many live dispatchers consume the endpoint's queue.</summary>
    public int DispatchersFor(string endpointId)
    {
        var now = time.GetUtcNow();
        return _dispatchers.Values.Count(r => r.ValidUntil > now && r.EndpointIds.Contains(endpointId));
    }

    private sealed record Registration(HashSet<string> EndpointIds, DateTimeOffset ValidUntil);
}
