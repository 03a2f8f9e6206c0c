using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Api;

/// <summary>OpenAI's <c>GET /models</c> shape.</summary>
internal sealed record ModelList(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelInfo> Data);

internal sealed record ModelInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);
