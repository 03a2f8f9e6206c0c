using System.Text.Json.Serialization;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// <c>GET /resource_server/list-endpoints</c> and <c>GET /v1/endpoints</c>: every manifest entry with
/// its status, health, dispatchers and queue depth (as the ingress last read it from the broker,
/// at most a few seconds old; null standalone or while the broker cannot be asked) — the entries
/// the caller's groups may use. URLs are shown without credentials or query; keys never.
/// </summary>
internal static class EndpointsApi
{
    public static IEndpointRouteBuilder MapEndpointList(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/resource_server/list-endpoints", List).RequireAuthorization();
        routes.MapGet("/v1/endpoints", List).RequireAuthorization();
        return routes;
    }

    private static IResult List(
        HttpContext context, ManifestStore manifest, EndpointHealth health, DispatcherRegistry dispatchers, EndpointQueues queues, IOptions<JwtOptions> jwt)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        if (manifest.Current is not { } current)
        {
            return ApiErrors.ManifestNotLoaded().ToResult();
        }

        var data = new List<EndpointInfo>(current.Entries.Count);
        foreach (var entry in current.Entries.Where(e => caller.InAnyOf(e.AllowedGroups)))
        {
            var coolingUntil = health.CoolingUntil(entry.EndpointId);
            var count = dispatchers.DispatchersFor(entry.EndpointId);
            data.Add(new EndpointInfo(
                entry.Name,
                entry.EndpointId,
                entry.Model,
                entry.Description,
                entry.Status.ToString(),
                entry.Experts,
                SafeUrl(entry),
                entry.Weight,
                new EndpointHealthInfo(coolingUntil is null ? "healthy" : "cooling_down", coolingUntil, health.LastErrorKind(entry.EndpointId)),
                count > 0 && !queues.IsUnconsumed(entry.EndpointId),
                count,
                queues.Queue(entry.EndpointId)?.Depth));
        }

        return Results.Json(new EndpointList("list", data), RoutingJson.Gateway.EndpointList);
    }

    private static string SafeUrl(ManifestEntry entry) =>
        Uri.TryCreate(entry.Url, UriKind.Absolute, out var uri)
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : string.Empty;

    public sealed record EndpointList(
        [property: JsonPropertyName("object")] string Kind,
        [property: JsonPropertyName("data")] IReadOnlyList<EndpointInfo> Data);

    public sealed record EndpointInfo(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("endpoint_id")] string EndpointId,
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("experts")] IReadOnlyList<string> Experts,
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("weight")] double Weight,
        [property: JsonPropertyName("health")] EndpointHealthInfo Health,
        [property: JsonPropertyName("dispatcher_consuming")] bool DispatcherConsuming,
        [property: JsonPropertyName("dispatchers")] int Dispatchers,
        [property: JsonPropertyName("queue_depth")] uint? QueueDepth);

    public sealed record EndpointHealthInfo(
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("cooling_until")] DateTimeOffset? CoolingUntil,
        [property: JsonPropertyName("last_error")] string? LastError);
}
