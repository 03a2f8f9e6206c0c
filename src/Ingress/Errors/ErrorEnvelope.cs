using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Errors;

/// <summary>OpenAI's error shape: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorDetail Error);

internal sealed record ErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
