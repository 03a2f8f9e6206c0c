using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary><c>GET /models</c>: the model ids in the <c>experts</c> of Live entries the caller may use.</summary>
internal static class ModelsHandler
{
    public static IResult List(ManifestStore manifest, HttpContext context, IOptions<JwtOptions> jwt)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        if (manifest.Current is not { } current)
        {
            return ApiErrors.ManifestNotLoaded().ToResult();
        }

        var models = current.Entries
            .Where(e => e.Status == EndpointStatus.Live && caller.InAnyOf(e.AllowedGroups))
            .SelectMany(e => e.Experts.Select(model => (Model: model, Owner: e.EndpointId)))
            .DistinctBy(m => m.Model, StringComparer.Ordinal)
            .OrderBy(m => m.Model, StringComparer.Ordinal)
            .Select(m => new ModelInfo(m.Model, "model", 0, m.Owner))
            .ToArray();
        return Results.Json(new ModelList("list", models), ApiJson.Gateway.ModelList);
    }
}
