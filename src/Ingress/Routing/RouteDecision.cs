using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Where a request goes: an entry to send it to, or the error the caller gets instead.</summary>
public readonly record struct RouteDecision(ManifestEntry? Entry, ApiError? Error)
{
    public static RouteDecision To(ManifestEntry entry) => new(entry, null);

    public static RouteDecision Refuse(ApiError error) => new(null, error);
}
