using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// The operators' dashboard: <c>GET /dashboard</c> (the page, and its assets under
/// <c>/dashboard/assets/</c>) is served to anyone, for it holds no data; the page asks for a token
/// once, keeps it for the tab (session storage) and sends it as a bearer token with every call of
/// <c>GET /v1/dashboard</c> — the data, for members of <c>Auth:AdminGroups</c> only (403 for
/// everyone else). The page's policy lets it load nothing but its own assets and call nothing but
/// this gateway.
/// </summary>
internal static class DashboardApi
{
    private const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/dashboard", (HttpContext context) => Serve(context, "index.html")).AllowAnonymous();
        routes.MapGet("/dashboard/assets/{*name}", (HttpContext context, string name) => Serve(context, name)).AllowAnonymous();
        routes.MapGet("/v1/dashboard", SnapshotAsync).RequireAuthorization();
        return routes;
    }

    private static async Task<IResult> SnapshotAsync(
        HttpContext context, DashboardSnapshots snapshots, AdminGroups admins, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        if (!admins.Includes(CallerIdentity.From(context.User, jwt.Value.GroupsClaim)))
        {
            return ApiErrors.AdminsOnly().ToResult();
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(await snapshots.TakeAsync(cancellationToken), DashboardJson.Gateway.DashboardSnapshot);
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (DashboardAssets.Find(name) is not { } asset)
        {
            return ApiErrors.RouteNotFound(context.Request.Method, context.Request.Path).ToResult();
        }

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = PagePolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = name == "index.html" ? "no-cache" : "public, max-age=3600";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }
}
