using System.Runtime.CompilerServices;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The candidates for a model, from this ingress's manifest copy: the Live entries whose
/// <c>experts</c> contain it, that the caller's groups may use, whose queue a dispatcher consumes
/// (it announces so, and the broker does not say otherwise) and which are not cooling down,
/// ordered by the balancing strategy — the first is tried first, the rest are the failover order.
/// An endpoint whose queue has a backlog (its dispatchers are all busy) goes after those without
/// one, so a request waits in a queue only when every candidate's is.
/// </summary>
internal sealed class EndpointSelector(
    ManifestStore manifest,
    DispatcherRegistry dispatchers,
    EndpointQueues queues,
    EndpointHealth health,
    OutstandingRequests outstanding,
    TimeProvider time,
    IOptions<RoutingOptions> options) : IEndpointSelector
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<uint>> _turns = new(StringComparer.Ordinal);

    public RouteDecision Select(string model, CallerIdentity caller) => Select(model, caller, holder: null);

    public bool StoresResponses(string model) =>
        manifest.Current?.EntriesFor(model).Any(e => e.ResponsesServedBy == ResponsesMode.Native && !e.IsMock) ?? true;

    public RouteDecision SelectHolder(string model, CallerIdentity caller, string endpointId, string responseId)
    {
        if (manifest.Current?.FindByEndpointId(endpointId) is not { } entry)
        {
            return RouteDecision.Refuse(manifest.Current is null ? ApiErrors.ManifestNotLoaded() : ApiErrors.ResponseEndpointGone(responseId, endpointId));
        }

        return entry.Serves(model) ? Select(model, caller, endpointId) : RouteDecision.Refuse(ApiErrors.ResponseOfOtherModel(responseId, endpointId, model));
    }

    private RouteDecision Select(string model, CallerIdentity caller, string? holder)
    {
        if (manifest.Current is not { } current)
        {
            return RouteDecision.Refuse(ApiErrors.ManifestNotLoaded());
        }

        var all = holder is null ? current.EntriesFor(model) : current.EntriesFor(model).Where(e => e.EndpointId == holder).ToList();
        var entries = all.Where(e => caller.InAnyOf(e.AllowedGroups)).ToArray();
        if (entries.Length == 0)
        {
            return RouteDecision.Refuse(all.Count == 0
                ? ApiErrors.ModelNotFound(model, current.LiveModels(e => caller.InAnyOf(e.AllowedGroups)))
                : ApiErrors.ModelAccessDenied(model));
        }

        var live = entries.Where(e => e.Status == EndpointStatus.Live).ToArray();
        if (live.Length == 0)
        {
            return RouteDecision.Refuse(entries.Any(e => e.Status == EndpointStatus.Maintenance)
                ? ApiErrors.ModelUnderMaintenance(model)
                : ApiErrors.ModelOffline(model));
        }

        // A queue the broker has just found without consumer may be between its dispatchers'
        // reconnections: it goes last rather than out, until the broker is sure.
        var served = live.Where(e => dispatchers.IsServed(e.EndpointId) && !queues.IsSurelyUnconsumed(e.EndpointId)).ToArray();
        if (served.Length == 0)
        {
            return RouteDecision.Refuse(ApiErrors.NoDispatcher(model, live.Select(e => e.EndpointId)));
        }

        var healthy = served.Where(e => health.IsAvailable(e.EndpointId)).ToArray();
        if (healthy.Length == 0)
        {
            var earliest = served.Select(e => health.CoolingUntil(e.EndpointId)).Min() ?? time.GetUtcNow();
            var seconds = (int)Math.Max(1, Math.Ceiling((earliest - time.GetUtcNow()).TotalSeconds));
            return RouteDecision.Refuse(ApiErrors.NoHealthyEndpoint(model, seconds));
        }

        return RouteDecision.To(LastTheWaiting(Order(model, healthy)));
    }

    /// <summary>
    /// The endpoints in the same order, except that one whose queue holds a backlog goes after those
    /// without, and one the broker has just found without consumer after all (a stable sort, done
    /// only when there is something to move).
    /// </summary>
    private ManifestEntry[] LastTheWaiting(ManifestEntry[] ordered)
    {
        int Rank(ManifestEntry e) => (queues.IsUnconsumed(e.EndpointId) ? 2 : 0) + (queues.HasBacklog(e.EndpointId) ? 1 : 0);
        return ordered.Any(e => Rank(e) > 0) ? [.. ordered.OrderBy(Rank)] : ordered;
    }

    private ManifestEntry[] Order(string model, ManifestEntry[] candidates)
    {
        if (candidates.Length == 1)
        {
            return candidates;
        }

        // One turn counter per model (models come from the manifest, so the set stays bounded):
        // requests for other models do not disturb this model's rotation.
        var counter = _turns.GetOrAdd(model, static _ => new StrongBox<uint>());
        var turn = (int)(Interlocked.Increment(ref counter.Value) % (uint)candidates.Length);
        var rotated = candidates[turn..].Concat(candidates[..turn]).ToArray();
        return options.Value.Strategy switch
        {
            BalancingStrategy.LeastOutstanding => rotated.OrderBy(e => outstanding.Get(e.EndpointId)).ToArray(),
            BalancingStrategy.Weighted => WeightedOrder(candidates),
            _ => rotated,
        };
    }

    /// <summary>Draws without replacement, each draw in proportion to the remaining weights.</summary>
    private static ManifestEntry[] WeightedOrder(ManifestEntry[] candidates)
    {
        var remaining = candidates.ToList();
        var order = new ManifestEntry[candidates.Length];
        for (var i = 0; i < order.Length; i++)
        {
            var point = Random.Shared.NextDouble() * remaining.Sum(e => e.Weight);
            var pick = remaining.Count - 1;
            for (var j = 0; j < remaining.Count; j++)
            {
                point -= remaining[j].Weight;
                if (point < 0)
                {
                    pick = j;
                    break;
                }
            }

            order[i] = remaining[pick];
            remaining.RemoveAt(pick);
        }

        return order;
    }
}
