using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Errors;

/// <summary>Anthropic's error shape, for callers of the Messages API: <c>{"type": "error", "error": {"type", "message"}}</c>.</summary>
internal sealed record AnthropicErrorEnvelope(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("error")] AnthropicErrorDetail Error);

internal sealed record AnthropicErrorDetail(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("message")] string Message);
