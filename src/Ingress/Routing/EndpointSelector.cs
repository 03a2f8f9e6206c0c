using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Picks the endpoint for a model from this ingress's manifest copy: the Live entries whose
/// <c>experts</c> contain it and whose queue a dispatcher consumes, in turn (round robin).
/// </summary>
public sealed class EndpointSelector(ManifestStore manifest, DispatcherRegistry dispatchers)
{
    private uint _next;

    public RouteDecision Select(string model)
    {
        if (manifest.Current is not { } current)
        {
            return RouteDecision.Refuse(ApiErrors.ManifestNotLoaded());
        }

        var entries = current.EntriesFor(model);
        if (entries.Count == 0)
        {
            return RouteDecision.Refuse(ApiErrors.ModelNotFound(model, current.LiveModels()));
        }

        var live = 0;
        var served = 0;
        foreach (var entry in entries)
        {
            if (entry.Status == EndpointStatus.Live)
            {
                live++;
                served += dispatchers.IsServed(entry.EndpointId) ? 1 : 0;
            }
        }

        if (live == 0)
        {
            return RouteDecision.Refuse(ApiErrors.ModelNotLive(model, entries.Select(e => $"endpoint {e.EndpointId} is {e.Status}")));
        }

        if (served == 0)
        {
            return RouteDecision.Refuse(ApiErrors.NoDispatcher(model, entries.Where(e => e.Status == EndpointStatus.Live).Select(e => e.EndpointId)));
        }

        var turn = (int)(Interlocked.Increment(ref _next) % (uint)served);
        foreach (var entry in entries)
        {
            if (entry.Status == EndpointStatus.Live && dispatchers.IsServed(entry.EndpointId) && turn-- == 0)
            {
                return RouteDecision.To(entry);
            }
        }

        // A dispatcher's heartbeat expired between the two passes: take the first one still served.
        return entries.FirstOrDefault(e => e.Status == EndpointStatus.Live && dispatchers.IsServed(e.EndpointId)) is { } fallback
            ? RouteDecision.To(fallback)
            : RouteDecision.Refuse(ApiErrors.NoDispatcher(model, entries.Select(e => e.EndpointId)));
    }
}
