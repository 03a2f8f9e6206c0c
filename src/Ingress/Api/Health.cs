using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Api;

/// <summary><c>GET /health</c>'s answer: the process is up, and whether a manifest has arrived.</summary>
internal sealed record Health(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("manifest")] string Manifest);
