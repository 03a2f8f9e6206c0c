using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Where a request for a model may go, for this caller, in the order to try (see <see cref="EndpointSelector"/>).</summary>
internal interface IEndpointSelector
{
    RouteDecision Select(string model, CallerIdentity caller);
}
