using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Where a request for a model may go, for this caller, in the order to try (see <see cref="EndpointSelector"/>).</summary>
internal interface IEndpointSelector
{
    RouteDecision Select(string model, CallerIdentity caller);

    /// <summary>
    /// The one endpoint that holds a stored response, for a follow-up of it (<c>previous_response_id</c>,
    /// a GET or DELETE of it): no other endpoint can answer, so there is no failover — if it cannot
    /// take the request, the caller is told why.
    /// </summary>
    /// <summary>Whether any entry of the model has a Responses API of its own (<c>responses: native</c>), so that its responses can be stored.</summary>
    bool StoresResponses(string model);

    RouteDecision SelectHolder(string model, CallerIdentity caller, string endpointId, string responseId);
}
