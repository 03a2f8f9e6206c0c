using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Which endpoint queues have a live dispatcher, and how many upstream calls the dispatchers have in
/// flight for each, learnt from heartbeats. A heartbeat counts from when it arrived here (not the
/// sender's clock) for as long as it says it is valid; its call counts are as of when it was sent.
/// Over RabbitMQ, an ingress that has just started has not heard the dispatchers' answers to its
/// discovery yet: until it hears from any dispatcher, for at most <see cref="DiscoveryGrace"/>
/// after its bus started, it does not take silence for absence (the broker's consumer count still
/// applies, and the queue watch ends a wait nobody takes), so the first requests after a restart
/// are queued for the dispatchers that are there instead of being turned away. Standalone, the
/// dispatcher is in the same process: no grace.
/// </summary>
internal sealed class DispatcherRegistry(TimeProvider time, BusStarted busStarted, IOptions<BusOptions> bus)
{
    /// <summary>How long after this ingress's bus started a queue nobody has announced yet still counts as served.</summary>
    public static readonly TimeSpan DiscoveryGrace = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Registration> _dispatchers = new(StringComparer.Ordinal);
    private volatile bool _heard;

    public void Record(DispatcherHeartbeat heartbeat)
    {
        _dispatchers[heartbeat.DispatcherId] = new Registration(heartbeat.EndpointIds.ToHashSet(StringComparer.Ordinal), time.GetUtcNow() + heartbeat.ValidFor, heartbeat.Calls);
        _heard = true;
    }

    public void Remove(string dispatcherId)
    {
        _dispatchers.TryRemove(dispatcherId, out _);
        _heard = true;
    }

    /// <summary>Whether a live dispatcher announces the endpoint's queue, or this ingress is too new to know that none does (it has heard from no dispatcher yet).</summary>
    public bool IsServed(string endpointId)
    {
        var now = time.GetUtcNow();
        if (!_heard && bus.Value.UsesRabbitMq && (busStarted.StartedAt is not { } started || now - started < DiscoveryGrace))
        {
            return true;
        }

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
