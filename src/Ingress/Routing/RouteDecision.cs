using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Where a request may go, in the order to try: the candidates, or the error the caller gets instead.</summary>
internal readonly record struct RouteDecision(IReadOnlyList<ManifestEntry> Candidates, ApiError? Error)
{
    public static RouteDecision To(IReadOnlyList<ManifestEntry> candidates) => new(candidates, null);

    public static RouteDecision Refuse(ApiError error) => new([], error);
}
