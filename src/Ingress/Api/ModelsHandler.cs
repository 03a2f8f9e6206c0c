using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Api;

/// <summary><c>GET /models</c>: the model ids in the <c>experts</c> of Live entries.</summary>
public static class ModelsHandler
{
    public static IResult List(ManifestStore manifest)
    {
        if (manifest.Current is not { } current)
        {
            return ApiErrors.ManifestNotLoaded().ToResult();
        }

        var models = current.Entries
            .Where(e => e.Status == EndpointStatus.Live)
            .SelectMany(e => e.Experts.Select(model => (Model: model, Owner: e.EndpointId)))
            .DistinctBy(m => m.Model, StringComparer.Ordinal)
            .OrderBy(m => m.Model, StringComparer.Ordinal)
            .Select(m => new ModelInfo(m.Model, "model", 0, m.Owner))
            .ToArray();
        return Results.Json(new ModelList("list", models));
    }
}
