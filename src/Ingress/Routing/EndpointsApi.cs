using System.Text.Json.Serialization;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// <c>GET /resource_server/list-endpoints</c> and <c>GET /v1/endpoints</c>: every manifest entry the
/// caller's groups may use, as <see cref="EndpointView"/> sees it.
/// </summary>
internal static class EndpointsApi
{
    public static IEndpointRouteBuilder MapEndpointList(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/resource_server/list-endpoints", List).RequireAuthorization();
        routes.MapGet("/v1/endpoints", List).RequireAuthorization();
        return routes;
    }

    private static IResult List(HttpContext context, EndpointView view, IOptions<JwtOptions> jwt)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return view.List(e => caller.InAnyOf(e.AllowedGroups)) is { } data
            ? Results.Json(new EndpointList("list", data), RoutingJson.Gateway.EndpointList)
            : ApiErrors.ManifestNotLoaded().ToResult();
    }

    public sealed record EndpointList(
        [property: JsonPropertyName("object")] string Kind,
        [property: JsonPropertyName("data")] IReadOnlyList<EndpointInfo> Data);
}
