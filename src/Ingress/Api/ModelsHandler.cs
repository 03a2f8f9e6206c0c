using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// <c>GET /models</c>: the model ids in the <c>experts</c> of Live entries the caller may use;
/// <c>GET /models/{id}</c> (the OpenAI SDKs' <c>models.retrieve</c>): one of them, or 404
/// <c>model_not_found</c> — also for a model that exists but the caller may not use.
/// </summary>
internal static class ModelsHandler
{
    public static IResult List(ManifestStore manifest, HttpContext context, IOptions<JwtOptions> jwt) =>
        Usable(manifest, context, jwt) is { } models
            ? Results.Json(new ModelList("list", models), ApiJson.Gateway.ModelList)
            : ApiErrors.ManifestNotLoaded().ToResult();

    public static IResult Get(string id, ManifestStore manifest, HttpContext context, IOptions<JwtOptions> jwt)
    {
        if (Usable(manifest, context, jwt) is not { } models)
        {
            return ApiErrors.ManifestNotLoaded().ToResult();
        }

        return models.FirstOrDefault(m => m.Id == id) is { } model
            ? Results.Json(model, ApiJson.Gateway.ModelInfo)
            : ApiErrors.ModelNotFound(id, [.. models.Select(m => m.Id)]).ToResult();
    }

    internal static ModelInfo[]? Usable(ManifestStore manifest, HttpContext context, IOptions<JwtOptions> jwt)
    {
        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        return manifest.Current?.Entries
            .Where(e => e.Status == EndpointStatus.Live && caller.InAnyOf(e.AllowedGroups))
            .SelectMany(e => e.Experts.Select(model => (Model: model, Owner: e.EndpointId)))
            .DistinctBy(m => m.Model, StringComparer.Ordinal)
            .OrderBy(m => m.Model, StringComparer.Ordinal)
            .Select(m => new ModelInfo(m.Model, "model", 0, m.Owner))
            .ToArray();
    }
}
