using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Anthropic;

/// <summary>
/// Anthropic's error, <c>{"type": "error", "error": {"type", "message"}}</c>, in OpenAI's shape
/// with Anthropic's type as the code; 529 <c>overloaded_error</c> becomes 503, which the
/// ingress fails over and cools down like any unavailable upstream.
/// </summary>
internal static class AnthropicErrors
{
    public const int Overloaded = 529;

    public static (int Status, string Body) ToOpenAi(int status, string body)
    {
        var openAiStatus = status == Overloaded ? 503 : status;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (DialectJson.Value(document.RootElement, "error") is { ValueKind: JsonValueKind.Object } error)
            {
                var type = DialectJson.String(error, "type");
                return (openAiStatus, OpenAiError.Body(DialectJson.String(error, "message") ?? $"Anthropic answered HTTP {status}", TypeFor(type, openAiStatus), type));
            }
        }
        catch (JsonException)
        {
        }

        return (openAiStatus, body);
    }

    private static string TypeFor(string? anthropicType, int status) => anthropicType switch
    {
        "invalid_request_error" or "not_found_error" or "request_too_large" => "invalid_request_error",
        "authentication_error" => "authentication_error",
        "permission_error" => "permission_error",
        "rate_limit_error" => "rate_limit_error",
        _ => ErrorTypes.For(status),
    };
}
