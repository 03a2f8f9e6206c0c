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

        var live = entries.Where(e => e.Status == EndpointStatus.Live).ToArray();
        if (live.Length == 0)
        {
            return RouteDecision.Refuse(ApiErrors.ModelNotLive(model, entries.Select(e => $"endpoint {e.EndpointId} is {e.Status}")));
        }

        var served = live.Where(e => dispatchers.IsServed(e.EndpointId)).ToArray();
        if (served.Length == 0)
        {
            return RouteDecision.Refuse(ApiErrors.NoDispatcher(model, live.Select(e => e.EndpointId)));
        }

        var turn = Interlocked.Increment(ref _next);
        return RouteDecision.To(served[(int)(turn % (uint)served.Length)]);
    }
}
