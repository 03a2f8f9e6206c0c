using BrokerGateway.Hosting.Manifest;

namespace BrokerGateway.Ingress.Api;

internal static class HealthApi
{
    /// <summary><c>GET /health</c>, without auth: the process is up; says whether a manifest has arrived.</summary>
    public static IEndpointConventionBuilder MapHealthApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/health", (ManifestStore manifest) =>
            Results.Json(new Health("ok", manifest.Current is null ? "waiting" : "loaded"), ApiJson.Gateway.Health)).AllowAnonymous();
}
