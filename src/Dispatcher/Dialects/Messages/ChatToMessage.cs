using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>
/// An OpenAI chat completion as an Anthropic message: the content as a text block, each tool call
/// as a <c>tool_use</c> block (its arguments parsed into <c>input</c>), <c>stop_reason</c> from
/// <c>finish_reason</c>, and usage with the cached prompt tokens apart, as Anthropic counts them.
/// OpenAI's errors become Anthropic's <c>{"type": "error", "error": {"type", "message"}}</c>.
/// </summary>
internal static class ChatToMessage
{
    /// <summary>The message, or null when the body is not a chat completion.</summary>
    public static string? Answer(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (DialectJson.Value(root, "choices") is not { ValueKind: JsonValueKind.Array } choices || choices.GetArrayLength() == 0
                || DialectJson.Value(choices[0], "message") is not { } message)
            {
                return null;
            }

            return DialectJson.Write((root, message, choices[0]), static (writer, s) =>
            {
                writer.WriteStartObject();
                writer.WriteString("id", MessageId(DialectJson.String(s.root, "id")));
                writer.WriteString("type", "message");
                writer.WriteString("role", "assistant");
                writer.WriteString("model", DialectJson.String(s.root, "model"));
                writer.WriteStartArray("content");
                if (DialectJson.String(s.message, "content") is { Length: > 0 } text)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", text);
                    writer.WriteEndObject();
                }

                if (DialectJson.Value(s.message, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = DialectJson.Value(call, "function");
                        writer.WriteStartObject();
                        writer.WriteString("type", "tool_use");
                        writer.WriteString("id", DialectJson.String(call, "id"));
                        writer.WriteString("name", function is { } f ? DialectJson.String(f, "name") : null);
                        writer.WritePropertyName("input");
                        writer.WriteRawValue(Input(function is { } fn ? DialectJson.String(fn, "arguments") : null));
                        writer.WriteEndObject();
                    }
                }

                writer.WriteEndArray();
                var stop = StopReason(DialectJson.String(s.Item3, "finish_reason"));
                var called = DialectJson.Value(s.message, "tool_calls") is { ValueKind: JsonValueKind.Array } made && made.GetArrayLength() > 0;
                writer.WriteString("stop_reason", called && stop == "end_turn" ? "tool_use" : stop);
                writer.WriteNull("stop_sequence");
                WriteUsage(writer, DialectJson.Value(s.root, "usage"));
                writer.WriteEndObject();
            });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An OpenAI-shaped error as Anthropic's; a body of another shape is wrapped as its message.</summary>
    public static string Error(int status, string body)
    {
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (DialectJson.Value(document.RootElement, "error") is { ValueKind: JsonValueKind.Object } error)
            {
                message = DialectJson.String(error, "message");
            }
            else if (DialectJson.String(document.RootElement, "message") is { } plain)
            {
                message = plain;
            }
        }
        catch (JsonException)
        {
        }

        return Body(TypeFor(status), message ?? $"The upstream answered HTTP {status}.");
    }

    public static string Body(string type, string message) =>
        DialectJson.Write((type, message), static (writer, e) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", e.type);
            writer.WriteString("message", e.message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

    /// <summary>Anthropic's error type for an HTTP status.</summary>
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>Anthropic's message ids start with <c>msg_</c>; clients do not depend on it, but logs read better.</summary>
    public static string MessageId(string? id) => id is null ? "msg_gateway" : id.StartsWith("msg_", StringComparison.Ordinal) ? id : $"msg_{id}";

    /// <summary>OpenAI's usage in Anthropic's terms: the cached part of the prompt counted apart from the rest.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, JsonElement? usage)
    {
        var prompt = usage is { } u ? DialectJson.Number(u, "prompt_tokens") : 0;
        var cached = usage is { } v && DialectJson.Value(v, "prompt_tokens_details") is { } details ? DialectJson.Number(details, "cached_tokens") : 0;
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", Math.Max(0, prompt - cached));
        writer.WriteNumber("cache_creation_input_tokens", 0);
        writer.WriteNumber("cache_read_input_tokens", cached);
        writer.WriteNumber("output_tokens", usage is { } w ? DialectJson.Number(w, "completion_tokens") : 0);
        writer.WriteEndObject();
    }

    /// <summary>A tool call's arguments (JSON text) as the object Anthropic's <c>input</c> is; arguments that are not an object are kept as a string under <c>arguments</c>.</summary>
    private static string Input(string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return "{}";
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.GetRawText();
            }
        }
        catch (JsonException)
        {
        }

        return DialectJson.Write(arguments, static (writer, a) =>
        {
            writer.WriteStartObject();
            writer.WriteString("arguments", a);
            writer.WriteEndObject();
        });
    }
}
