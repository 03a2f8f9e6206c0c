using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Which endpoint queues have a live dispatcher, and how many upstream calls the dispatchers have in
/// flight for each, learnt from heartbeats. A heartbeat counts from when it arrived here (not the
/// sender's clock) for as long as it says it is valid; its call counts are as of when it was sent.
/// </summary>
internal sealed class DispatcherRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Registration> _dispatchers = new(StringComparer.Ordinal);

    public void Record(DispatcherHeartbeat heartbeat) =>
        _dispatchers[heartbeat.DispatcherId] = new Registration(heartbeat.EndpointIds.ToHashSet(StringComparer.Ordinal), time.GetUtcNow() + heartbeat.ValidFor, heartbeat.Calls);

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

    /// <summary>The upstream calls the live dispatchers last said they have in flight for the endpoint; null when none said (dispatchers of an earlier version).</summary>
    public int? CallsFor(string endpointId)
    {
        var now = time.GetUtcNow();
        int? total = null;
        foreach (var registration in _dispatchers.Values)
        {
            if (registration.ValidUntil > now && registration.Calls is { } calls)
            {
                total = (total ?? 0) + calls.GetValueOrDefault(endpointId);
            }
        }

        return total;
    }

    private sealed record Registration(HashSet<string> EndpointIds, DateTimeOffset ValidUntil, IReadOnlyDictionary<string, int>? Calls);
}
