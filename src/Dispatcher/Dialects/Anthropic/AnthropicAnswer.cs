using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Anthropic;

/// <summary>
/// An Anthropic message as an OpenAI <c>chat.completion</c>: its text blocks joined as the
/// content, its <c>tool_use</c> blocks as <c>tool_calls</c>, <c>finish_reason</c> from
/// <c>stop_reason</c>, and usage with the cached prompt tokens counted in <c>prompt_tokens</c>
/// (as OpenAI counts them) and named in <c>prompt_tokens_details.cached_tokens</c>.
/// </summary>
internal static class AnthropicAnswer
{
    /// <summary>The chat completion, or null when the body is not an Anthropic message.</summary>
    public static string? ToChat(string body, TimeProvider time)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var message = document.RootElement;
            if (DialectJson.String(message, "type") != "message" || DialectJson.Value(message, "content") is not { ValueKind: JsonValueKind.Array } content)
            {
                return null;
            }

            return DialectJson.Write((message, content, time.GetUtcNow().ToUnixTimeSeconds()), static (writer, s) =>
            {
                writer.WriteStartObject();
                writer.WriteString("id", DialectJson.String(s.message, "id") ?? "msg");
                writer.WriteString("object", "chat.completion");
                writer.WriteNumber("created", s.Item3);
                writer.WriteString("model", DialectJson.String(s.message, "model"));
                writer.WriteStartArray("choices");
                writer.WriteStartObject();
                writer.WriteNumber("index", 0);
                writer.WriteStartObject("message");
                writer.WriteString("role", "assistant");
                var text = string.Concat(s.content.EnumerateArray().Where(b => DialectJson.String(b, "type") == "text").Select(b => DialectJson.String(b, "text")));
                var calls = s.content.EnumerateArray().Where(b => DialectJson.String(b, "type") == "tool_use").ToList();
                if (text.Length > 0 || calls.Count == 0)
                {
                    writer.WriteString("content", text);
                }
                else
                {
                    writer.WriteNull("content");
                }

                writer.WriteNull("refusal");
                if (calls.Count > 0)
                {
                    writer.WriteStartArray("tool_calls");
                    foreach (var call in calls)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("id", DialectJson.String(call, "id"));
                        writer.WriteString("type", "function");
                        writer.WriteStartObject("function");
                        writer.WriteString("name", DialectJson.String(call, "name"));
                        writer.WriteString("arguments", DialectJson.Value(call, "input")?.GetRawText() ?? "{}");
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
                writer.WriteNull("logprobs");
                writer.WriteString("finish_reason", FinishReason(DialectJson.String(s.message, "stop_reason")));
                writer.WriteEndObject();
                writer.WriteEndArray();
                if (DialectJson.Value(s.message, "usage") is { } usage)
                {
                    WriteUsage(writer, Usage.From(usage));
                }

                writer.WriteEndObject();
            });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>OpenAI's <c>finish_reason</c> for Anthropic's <c>stop_reason</c>.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    /// <summary>Anthropic's token counts: input is what was not read from or written to the cache.</summary>
    public readonly record struct Usage(long Input, long Output, long CacheRead, long CacheWrite)
    {
        public long Prompt => Input + CacheRead + CacheWrite;

        public static Usage From(JsonElement usage) => new(
            DialectJson.Number(usage, "input_tokens"), DialectJson.Number(usage, "output_tokens"),
            DialectJson.Number(usage, "cache_read_input_tokens"), DialectJson.Number(usage, "cache_creation_input_tokens"));
    }

    public static void WriteUsage(Utf8JsonWriter writer, Usage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.Prompt);
        writer.WriteNumber("completion_tokens", usage.Output);
        writer.WriteNumber("total_tokens", usage.Prompt + usage.Output);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CacheRead);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
