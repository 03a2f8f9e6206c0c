using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Auth;

internal static class WhoAmIApi
{
    /// <summary><c>GET /resource_server/whoami</c> and <c>GET /v1/whoami</c>: the caller's id and groups, as the gateway sees them.</summary>
    public static IEndpointRouteBuilder MapWhoAmI(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/resource_server/whoami", WhoAmI).RequireAuthorization();
        routes.MapGet("/v1/whoami", WhoAmI).RequireAuthorization();
        return routes;
    }

    private static IResult WhoAmI(HttpContext context, IOptions<JwtOptions> jwt)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return Results.Json(new Identity(caller.Subject, caller.Groups, caller.Method), AuthJson.Gateway.Identity);
    }

    public sealed record Identity(
        [property: JsonPropertyName("sub")] string Subject,
        [property: JsonPropertyName("groups")] IReadOnlyList<string> Groups,
        [property: JsonPropertyName("auth_method")] string Method);
}
