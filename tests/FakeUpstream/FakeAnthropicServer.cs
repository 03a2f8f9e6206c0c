using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// Anthropic's Messages API on loopback (<c>POST /v1/messages</c>), checking a request the way the
/// real service does: <c>x-api-key</c> and <c>anthropic-version</c> headers, <c>model</c> and
/// <c>max_tokens</c> present, only user and assistant turns (a system role in <c>messages</c> is
/// refused), no empty text blocks, every <c>tool_result</c> answering a <c>tool_use</c> of the turn
/// before. It answers in Anthropic's shapes: a text message, a <c>tool_use</c> when tools are
/// offered, and with <c>"stream": true</c> the event stream. The last user text steers it:
/// "overloaded" gets 529 <c>overloaded_error</c>, "rate limit" 429 with <c>retry-after</c>, and
/// "stream error" (streamed) a 200 whose only event is an <c>overloaded_error</c>.
/// </summary>
public sealed class FakeAnthropicServer : ProviderServer
{
    public const string Text = "Hello from Claude.";
    public const int InputTokens = 12;
    public const int OutputTokens = 7;
    public const int CacheReadTokens = 3;
    public const int CacheWriteTokens = 2;

    /// <summary>The base URL of a manifest entry: <c>http://127.0.0.1:port/v1</c>.</summary>
    public Uri BaseUrl => new(Root, "/v1");

    /// <summary>A request header (set in a manifest entry's <c>headers</c>) that makes a stream this many text deltas long, for the benchmark.</summary>
    public const string EventsHeader = "x-fake-events";

    public static async Task<FakeAnthropicServer> StartNewAsync(string url = "http://127.0.0.1:0", bool record = true)
    {
        var server = new FakeAnthropicServer();
        await server.StartAsync(url, record);
        return server;
    }

    protected override async Task HandleAsync(HttpContext context, ProviderRequest request)
    {
        if (request.Path != "/v1/messages")
        {
            await ErrorAsync(context, 404, "not_found_error", "Not found");
            return;
        }

        if (string.IsNullOrEmpty(request.Header("x-api-key")))
        {
            await ErrorAsync(context, 401, "authentication_error", "x-api-key header is required");
            return;
        }

        if (string.IsNullOrEmpty(request.Header("anthropic-version")))
        {
            await ErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            await ErrorAsync(context, 400, "invalid_request_error", "There was an issue with your request body: not valid JSON");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (Invalid(root) is { } problem)
            {
                await ErrorAsync(context, 400, "invalid_request_error", problem);
                return;
            }

            var last = LastUserText(root);
            if (last.Contains("overloaded", StringComparison.Ordinal))
            {
                await ErrorAsync(context, 529, "overloaded_error", "Overloaded");
                return;
            }

            if (last.Contains("rate limit", StringComparison.Ordinal))
            {
                context.Response.Headers["retry-after"] = "7";
                await ErrorAsync(context, 429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit");
                return;
            }

            var model = root.GetProperty("model").GetString()!;
            var tool = root.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0 && !HasToolResult(root)
                ? tools[0].GetProperty("name").GetString()
                : null;
            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            if (stream && last.Contains("stream error", StringComparison.Ordinal))
            {
                // How Anthropic reports overload once a stream has begun: HTTP 200, then an error event.
                context.Response.ContentType = "text/event-stream";
                await EventAsync(context, "error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
                return;
            }

            if (stream)
            {
                var pieces = int.TryParse(request.Header(EventsHeader), out var count) && count > 0
                    ? Enumerable.Range(0, count).Select(i => $"tok{i} ").ToArray()
                    : ["Hello", " from", " Claude."];
                await StreamAsync(context, model, tool, pieces);
            }
            else
            {
                await JsonAsync(context, 200, Message(model, tool));
            }
        }
    }

    private static string? Invalid(JsonElement root)
    {
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
        {
            return "model: Field required";
        }

        if (!root.TryGetProperty("max_tokens", out var max) || max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var tokens) || tokens < 1)
        {
            return "max_tokens: Field required";
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            return "messages: Field required";
        }

        var index = 0;
        HashSet<string> offered = [];
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
            if (role is not ("user" or "assistant"))
            {
                return $"messages.{index}.role: Input should be 'user' or 'assistant'";
            }

            var content = message.GetProperty("content");
            HashSet<string> used = [];
            if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.GetProperty("type").GetString();
                    if (type == "text" && string.IsNullOrEmpty(block.GetProperty("text").GetString()))
                    {
                        return $"messages.{index}: text content blocks must be non-empty";
                    }

                    if (type == "tool_use")
                    {
                        used.Add(block.GetProperty("id").GetString()!);
                    }

                    if (type == "tool_result" && !offered.Contains(block.GetProperty("tool_use_id").GetString()!))
                    {
                        return $"messages.{index}: unexpected `tool_use_id` found in `tool_result` blocks";
                    }

                    if (type is not ("text" or "image" or "tool_use" or "tool_result"))
                    {
                        return $"messages.{index}: unknown content block type '{type}'";
                    }
                }
            }

            offered = used;
            index++;
        }

        return null;
    }

    private static string LastUserText(JsonElement root)
    {
        var user = root.GetProperty("messages").EnumerateArray().LastOrDefault(m => m.GetProperty("role").GetString() == "user");
        if (user.ValueKind == JsonValueKind.Undefined)
        {
            return string.Empty;
        }

        var content = user.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Where(b => b.GetProperty("type").GetString() == "text").Select(b => b.GetProperty("text").GetString()));
    }

    private static bool HasToolResult(JsonElement root) =>
        root.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("content") is { ValueKind: JsonValueKind.Array } c
            && c.EnumerateArray().Any(b => b.GetProperty("type").GetString() == "tool_result"));

    private static string Usage =>
        $$$"""{"input_tokens":{{{InputTokens}}},"cache_creation_input_tokens":{{{CacheWriteTokens}}},"cache_read_input_tokens":{{{CacheReadTokens}}},"output_tokens":{{{OutputTokens}}}}""";

    private static string Message(string model, string? tool)
    {
        var content = tool is null
            ? $$$"""[{"type":"text","text":"{{{Text}}}"}]"""
            : $$$"""[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_01","name":"{{{tool}}}","input":{"city":"Paris"}}]""";
        return $$$"""{"id":"msg_fake","type":"message","role":"assistant","model":{{{JsonSerializer.Serialize(model)}}},"content":{{{content}}},"stop_reason":"{{{(tool is null ? "end_turn" : "tool_use")}}}","stop_sequence":null,"usage":{{{Usage}}}}""";
    }

    private static async Task StreamAsync(HttpContext context, string model, string? tool, string[] pieces)
    {
        context.Response.ContentType = "text/event-stream";
        await EventAsync(context, "message_start",
            $$$"""{"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","model":{{{JsonSerializer.Serialize(model)}}},"content":[],"stop_reason":null,"usage":{"input_tokens":{{{InputTokens}}},"cache_creation_input_tokens":{{{CacheWriteTokens}}},"cache_read_input_tokens":{{{CacheReadTokens}}},"output_tokens":1}}""" + "}");
        await EventAsync(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        await EventAsync(context, "ping", """{"type": "ping"}""");
        foreach (var piece in pieces)
        {
            await EventAsync(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":{{{JsonSerializer.Serialize(piece)}}}}}""");
        }

        await EventAsync(context, "content_block_stop", """{"type":"content_block_stop","index":0}""");
        if (tool is not null)
        {
            await EventAsync(context, "content_block_start", $$$"""{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"{{{tool}}}","input":{}}""" + "}");
            foreach (var part in new[] { "{\"city\": ", "\"Paris\"}" })
            {
                await EventAsync(context, "content_block_delta", $$$"""{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":{{{JsonSerializer.Serialize(part)}}}}}""");
            }

            await EventAsync(context, "content_block_stop", """{"type":"content_block_stop","index":1}""");
        }

        await EventAsync(context, "message_delta", $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{(tool is null ? "end_turn" : "tool_use")}}}","stop_sequence":null},"usage":{"output_tokens":{{{OutputTokens}}}}}""");
        await EventAsync(context, "message_stop", """{"type":"message_stop"}""");
    }

    private static Task ErrorAsync(HttpContext context, int status, string type, string message) =>
        JsonAsync(context, status, $$$"""{"type":"error","error":{"type":"{{{type}}}","message":{{{JsonSerializer.Serialize(message)}}}}}""");
}
