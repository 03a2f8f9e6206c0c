using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Anthropic;

/// <summary>
/// An OpenAI chat completion request as Anthropic's Messages API takes it: system and developer
/// messages become <c>system</c>; user, assistant and tool messages become alternating turns of
/// content blocks (text, images as base64 or URL, <c>tool_use</c>, <c>tool_result</c>; turns of
/// the same role are joined); <c>tools</c>, <c>tool_choice</c> and <c>parallel_tool_calls</c>,
/// <c>stop</c>, <c>temperature</c>, <c>top_p</c>, <c>user</c> and <c>stream</c> are carried over;
/// <c>max_tokens</c> (or <c>max_completion_tokens</c>) is required there, so a request without
/// it gets the dispatcher's default. What has no counterpart and changes the answer's form
/// (<c>n</c> above 1, audio or file parts, non-function tools) is refused; sampling hints without
/// one (<c>seed</c>, penalties, <c>logit_bias</c>, <c>logprobs</c>, <c>response_format</c>) are
/// dropped.
/// </summary>
internal static class AnthropicRequest
{
    public static string FromChat(string body, int defaultMaxTokens, bool stream)
    {
        using (var document = DialectJson.ParseRequest(body))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DialectRefusal("The request body must be a JSON object.");
            }

            if (DialectJson.Value(root, "n") is { } n && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count != 1))
            {
                throw new DialectRefusal("This model's endpoint answers with one choice only: n must be 1.", "n");
            }

            if (DialectJson.Value(root, "messages") is not { ValueKind: JsonValueKind.Array } messages)
            {
                throw new DialectRefusal("messages must be an array of messages.", "messages");
            }

            var turns = Turns(messages);
            return DialectJson.Write((root, turns, defaultMaxTokens, stream), static (writer, s) => Write(writer, s.root, s.turns, s.defaultMaxTokens, s.stream));
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement root, Conversation turns, int defaultMaxTokens, bool stream)
    {
        writer.WriteStartObject();
        if (DialectJson.Value(root, "model") is { } model)
        {
            writer.WritePropertyName("model");
            model.WriteTo(writer);
        }

        var maxTokens = DialectJson.Value(root, "max_completion_tokens") ?? DialectJson.Value(root, "max_tokens");
        if (maxTokens is { ValueKind: JsonValueKind.Number } given)
        {
            writer.WritePropertyName("max_tokens");
            given.WriteTo(writer);
        }
        else
        {
            writer.WriteNumber("max_tokens", defaultMaxTokens);
        }

        if (turns.System.Count > 0)
        {
            writer.WriteStartArray("system");
            foreach (var text in turns.System)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("messages");
        foreach (var turn in turns.Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", turn.Role);
            writer.WriteStartArray("content");
            foreach (var block in turn.Blocks)
            {
                block(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        CopyNumber(writer, root, "temperature");
        CopyNumber(writer, root, "top_p");
        WriteStop(writer, root);
        WriteTools(writer, root);
        if (DialectJson.String(root, "user") is { } user)
        {
            writer.WriteStartObject("metadata");
            writer.WriteString("user_id", user);
            writer.WriteEndObject();
        }

        if (stream)
        {
            writer.WriteBoolean("stream", true);
        }

        writer.WriteEndObject();
    }

    private sealed record Turn(string Role, List<Action<Utf8JsonWriter>> Blocks);

    private sealed record Conversation(List<string> System, List<Turn> Messages);

    /// <summary>The conversation as Anthropic's turns: read first, so that a refusal comes before any writing.</summary>
    private static Conversation Turns(JsonElement messages)
    {
        var system = new List<string>();
        var turns = new List<Turn>();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = DialectJson.String(message, "role");
            var param = $"messages[{index++}]";
            switch (role)
            {
                case "system" or "developer":
                    // Anthropic refuses empty text blocks: an empty system message says nothing.
                    system.AddRange(Texts(message, param).Where(text => text.Length > 0));
                    break;
                case "user":
                    Add(turns, "user", UserBlocks(message, param));
                    break;
                case "assistant":
                    Add(turns, "assistant", AssistantBlocks(message, param));
                    break;
                case "tool":
                    Add(turns, "user", [ToolResult(message, param)]);
                    break;
                default:
                    throw new DialectRefusal($"{param}: role '{role}' is not supported by this model's endpoint (system, developer, user, assistant and tool are).", param);
            }
        }

        if (turns.Count == 0)
        {
            throw new DialectRefusal("messages must hold at least one user message.", "messages");
        }

        return new Conversation(system, turns);
    }

    /// <summary>A turn of the same role as the last joins it: Anthropic's turns alternate.</summary>
    private static void Add(List<Turn> turns, string role, List<Action<Utf8JsonWriter>> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        if (turns.Count > 0 && turns[^1].Role == role)
        {
            turns[^1].Blocks.AddRange(blocks);
        }
        else
        {
            turns.Add(new Turn(role, blocks));
        }
    }

    private static IEnumerable<string> Texts(JsonElement message, string param)
    {
        var content = DialectJson.Value(message, "content");
        if (content is { ValueKind: JsonValueKind.String } text)
        {
            yield return DialectJson.Text(text);
        }
        else if (content is { ValueKind: JsonValueKind.Array } parts)
        {
            foreach (var part in parts.EnumerateArray())
            {
                yield return DialectJson.String(part, "text") ?? throw new DialectRefusal($"{param}: a system message may hold only text parts.", param);
            }
        }
    }

    private static List<Action<Utf8JsonWriter>> UserBlocks(JsonElement message, string param)
    {
        var blocks = new List<Action<Utf8JsonWriter>>();
        var content = DialectJson.Value(message, "content");
        if (content is { ValueKind: JsonValueKind.String } text)
        {
            AddText(blocks, DialectJson.Text(text));
            return blocks;
        }

        if (content is not { ValueKind: JsonValueKind.Array } parts)
        {
            throw new DialectRefusal($"{param}: content must be a string or an array of parts.", param);
        }

        foreach (var part in parts.EnumerateArray())
        {
            switch (DialectJson.String(part, "type"))
            {
                case "text":
                    AddText(blocks, DialectJson.String(part, "text") ?? string.Empty);
                    break;
                case "image_url":
                    blocks.Add(Image(part, param));
                    break;
                case var other:
                    throw new DialectRefusal($"{param}: content parts of type '{other}' are not supported by this model's endpoint (text and image_url are).", param);
            }
        }

        return blocks;
    }

    private static void AddText(List<Action<Utf8JsonWriter>> blocks, string text)
    {
        // Anthropic refuses empty text blocks.
        if (text.Length == 0)
        {
            return;
        }

        blocks.Add(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        });
    }

    /// <summary>An image part: a <c>data:</c> URL as a base64 source, any other URL as a URL source.</summary>
    private static Action<Utf8JsonWriter> Image(JsonElement part, string param)
    {
        var url = DialectJson.Value(part, "image_url") is { } image ? DialectJson.String(image, "url") : null;
        if (string.IsNullOrEmpty(url))
        {
            throw new DialectRefusal($"{param}: an image_url part needs image_url.url.", param);
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',');
            var header = comma > 0 ? url[5..comma] : string.Empty;
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw new DialectRefusal($"{param}: a data URL image must be base64 (data:image/png;base64,…).", param);
            }

            var mediaType = header[..^";base64".Length];
            var data = url[(comma + 1)..];
            return writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("type", "image");
                writer.WriteStartObject("source");
                writer.WriteString("type", "base64");
                writer.WriteString("media_type", mediaType);
                writer.WriteString("data", data);
                writer.WriteEndObject();
                writer.WriteEndObject();
            };
        }

        return writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "image");
            writer.WriteStartObject("source");
            writer.WriteString("type", "url");
            writer.WriteString("url", url);
            writer.WriteEndObject();
            writer.WriteEndObject();
        };
    }

    private static List<Action<Utf8JsonWriter>> AssistantBlocks(JsonElement message, string param)
    {
        var blocks = new List<Action<Utf8JsonWriter>>();
        var content = DialectJson.Value(message, "content");
        if (content is { ValueKind: JsonValueKind.String } text)
        {
            AddText(blocks, DialectJson.Text(text));
        }
        else if (content is { ValueKind: JsonValueKind.Array } parts)
        {
            foreach (var part in parts.EnumerateArray())
            {
                AddText(blocks, DialectJson.String(part, "text") ?? DialectJson.String(part, "refusal") ?? string.Empty);
            }
        }

        if (DialectJson.Value(message, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = DialectJson.Value(call, "function");
                var id = DialectJson.String(call, "id");
                var name = function is { } f ? DialectJson.String(f, "name") : null;
                if (id is null || name is null)
                {
                    throw new DialectRefusal($"{param}: every tool call needs an id and a function name.", param);
                }

                var input = ToolInput(function is { } fn ? DialectJson.String(fn, "arguments") : null, param);
                blocks.Add(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "tool_use");
                    writer.WriteString("id", id);
                    writer.WriteString("name", name);
                    writer.WritePropertyName("input");
                    writer.WriteRawValue(input);
                    writer.WriteEndObject();
                });
            }
        }

        return blocks;
    }

    /// <summary>A tool call's arguments (a JSON text in OpenAI's shape) as the object Anthropic's <c>input</c> is.</summary>
    private static string ToolInput(string? arguments, string param)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return "{}";
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.GetRawText() : throw new JsonException();
        }
        catch (JsonException)
        {
            throw new DialectRefusal($"{param}: a tool call's arguments must be a JSON object.", param);
        }
    }

    private static Action<Utf8JsonWriter> ToolResult(JsonElement message, string param)
    {
        var id = DialectJson.String(message, "tool_call_id") ?? throw new DialectRefusal($"{param}: a tool message needs tool_call_id.", param);
        var text = string.Concat(Texts(message, param));
        return writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_result");
            writer.WriteString("tool_use_id", id);
            writer.WriteString("content", text);
            writer.WriteEndObject();
        };
    }

    private static void CopyNumber(Utf8JsonWriter writer, JsonElement root, string name)
    {
        if (DialectJson.Value(root, name) is { ValueKind: JsonValueKind.Number } value)
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }

    private static void WriteStop(Utf8JsonWriter writer, JsonElement root)
    {
        switch (DialectJson.Value(root, "stop"))
        {
            case { ValueKind: JsonValueKind.String } one:
                writer.WriteStartArray("stop_sequences");
                writer.WriteStringValue(DialectJson.Text(one));
                writer.WriteEndArray();
                break;
            case { ValueKind: JsonValueKind.Array } many:
                writer.WriteStartArray("stop_sequences");
                foreach (var stop in many.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String))
                {
                    writer.WriteStringValue(DialectJson.Text(stop));
                }

                writer.WriteEndArray();
                break;
        }
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        var choice = DialectJson.Value(root, "tool_choice");
        if (DialectJson.Value(root, "tools") is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in tools.EnumerateArray())
            {
                if (DialectJson.String(tool, "type") != "function" || DialectJson.Value(tool, "function") is not { } function || DialectJson.String(function, "name") is not { } name)
                {
                    throw new DialectRefusal("Only function tools with a name are supported by this model's endpoint.", "tools");
                }

                writer.WriteStartObject();
                writer.WriteString("name", name);
                if (DialectJson.String(function, "description") is { } description)
                {
                    writer.WriteString("description", description);
                }

                writer.WritePropertyName("input_schema");
                if (DialectJson.Value(function, "parameters") is { ValueKind: JsonValueKind.Object } parameters)
                {
                    parameters.WriteTo(writer);
                }
                else
                {
                    writer.WriteRawValue("""{"type":"object","properties":{}}""");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
        else
        {
            // No tools: a tool_choice has nothing to choose from (OpenAI refuses it; Anthropic too).
            return;
        }

        var serial = DialectJson.Value(root, "parallel_tool_calls") is { ValueKind: JsonValueKind.False };
        var type = choice switch
        {
            null => "auto",
            { ValueKind: JsonValueKind.String } named => DialectJson.Text(named) switch
            {
                "auto" => "auto",
                "none" => "none",
                "required" => "any",
                var other => throw new DialectRefusal($"tool_choice '{other}' is not one of auto, none, required.", "tool_choice"),
            },
            { ValueKind: JsonValueKind.Object } forced when DialectJson.Value(forced, "function") is { } f && DialectJson.String(f, "name") is not null => "tool",
            _ => throw new DialectRefusal("tool_choice must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": …}}.", "tool_choice"),
        };
        if (choice is null && !serial)
        {
            return;
        }

        writer.WriteStartObject("tool_choice");
        writer.WriteString("type", type);
        if (type == "tool")
        {
            writer.WriteString("name", DialectJson.String(DialectJson.Value(choice!.Value, "function")!.Value, "name"));
        }

        if (serial && type != "none")
        {
            writer.WriteBoolean("disable_parallel_tool_use", true);
        }

        writer.WriteEndObject();
    }
}
