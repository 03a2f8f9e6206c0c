using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Errors;

/// <summary>The Responses API's error event in a stream.</summary>
internal sealed record ResponsesErrorEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("param")] string? Param);
