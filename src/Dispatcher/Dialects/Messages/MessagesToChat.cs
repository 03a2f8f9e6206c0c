using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>
/// An Anthropic Messages request (what Anthropic's SDKs and Claude Code send to
/// <c>/v1/messages</c>) as an OpenAI chat completion request, for an upstream that speaks
/// OpenAI's dialect: <c>system</c> becomes a system message; text and image blocks become content
/// parts; <c>tool_use</c> blocks become <c>tool_calls</c> and <c>tool_result</c> blocks
/// <c>tool</c> messages (placed before the rest of their turn, right after the calls they answer);
/// <c>tools</c>, <c>tool_choice</c>, <c>stop_sequences</c>, <c>temperature</c>, <c>top_p</c>,
/// <c>max_tokens</c>, <c>metadata.user_id</c> and <c>stream</c> (with usage asked for) are
/// carried over. Server tools (web search, code execution, …) are refused; <c>thinking</c>,
/// <c>top_k</c> and cache-control marks are dropped.
/// </summary>
internal static class MessagesToChat
{
    /// <param name="askUsage">Whether a stream asks for <c>stream_options.include_usage</c> (not for an entry whose <c>stream_usage</c> is false: such upstreams refuse it).</param>
    public static string Translate(string body, bool stream, bool askUsage = true)
    {
        using (var document = DialectJson.ParseRequest(body))
        {
            var root = document.RootElement;
            if (DialectJson.Value(root, "messages") is not { ValueKind: JsonValueKind.Array } messages)
            {
                throw new DialectRefusal("messages: Field required", "messages");
            }

            var turns = Turns(messages);
            return DialectJson.Write((root, turns, stream, askUsage), static (writer, s) => Write(writer, s.root, s.turns, s.stream, s.askUsage));
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement root, List<Action<Utf8JsonWriter>> turns, bool stream, bool askUsage)
    {
        writer.WriteStartObject();
        if (DialectJson.Value(root, "model") is { } model)
        {
            writer.WritePropertyName("model");
            model.WriteTo(writer);
        }

        writer.WriteStartArray("messages");
        if (System(root) is { Length: > 0 } system)
        {
            writer.WriteStartObject();
            writer.WriteString("role", "system");
            writer.WriteString("content", system);
            writer.WriteEndObject();
        }

        foreach (var turn in turns)
        {
            turn(writer);
        }

        writer.WriteEndArray();
        foreach (var name in (ReadOnlySpan<string>)["max_tokens", "temperature", "top_p"])
        {
            if (DialectJson.Value(root, name) is { ValueKind: JsonValueKind.Number } number)
            {
                writer.WritePropertyName(name);
                number.WriteTo(writer);
            }
        }

        if (DialectJson.Value(root, "stop_sequences") is { ValueKind: JsonValueKind.Array } stops && stops.GetArrayLength() > 0)
        {
            writer.WritePropertyName("stop");
            stops.WriteTo(writer);
        }

        if (DialectJson.Value(root, "metadata") is { } metadata && DialectJson.String(metadata, "user_id") is { } user)
        {
            writer.WriteString("user", user);
        }

        WriteTools(writer, root);
        ChatStreamRequest.Write(writer, stream, askUsage);

        writer.WriteEndObject();
    }

    private static string? System(JsonElement root) => DialectJson.Value(root, "system") switch
    {
        { ValueKind: JsonValueKind.String } text => DialectJson.Text(text),
        { ValueKind: JsonValueKind.Array } blocks => string.Join("\n\n", blocks.EnumerateArray().Select(b => DialectJson.String(b, "text")).OfType<string>()),
        _ => null,
    };

    /// <summary>The chat messages of the conversation, read first, so that a refusal comes before any writing.</summary>
    private static List<Action<Utf8JsonWriter>> Turns(JsonElement messages)
    {
        var turns = new List<Action<Utf8JsonWriter>>();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var param = $"messages.{index++}";
            var role = DialectJson.String(message, "role");
            var content = DialectJson.Value(message, "content");
            var blocks = content switch
            {
                { ValueKind: JsonValueKind.String } text => [Text(DialectJson.Text(text))],
                { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().ToList(),
                _ => throw new DialectRefusal($"{param}.content: Field required", param),
            };
            switch (role)
            {
                case "user":
                    User(turns, blocks, param);
                    break;
                case "assistant":
                    turns.Add(Assistant(blocks, param));
                    break;
                default:
                    throw new DialectRefusal($"{param}.role: Input should be 'user' or 'assistant'", param);
            }
        }

        return turns;
    }

    private static JsonElement Text(string text)
    {
        using var document = JsonDocument.Parse(DialectJson.Write(text, static (w, t) =>
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", t);
            w.WriteEndObject();
        }));
        return document.RootElement.Clone();
    }

    /// <summary>A user turn: its tool results first, as <c>tool</c> messages (they must follow the calls), then the rest as one user message.</summary>
    private static void User(List<Action<Utf8JsonWriter>> turns, List<JsonElement> blocks, string param)
    {
        foreach (var result in blocks.Where(b => DialectJson.String(b, "type") == "tool_result"))
        {
            var id = DialectJson.String(result, "tool_use_id") ?? throw new DialectRefusal($"{param}: a tool_result needs tool_use_id.", param);
            var text = DialectJson.Value(result, "content") switch
            {
                { ValueKind: JsonValueKind.String } s => DialectJson.Text(s),
                { ValueKind: JsonValueKind.Array } pieces => string.Concat(pieces.EnumerateArray().Select(p => DialectJson.String(p, "text"))),
                _ => string.Empty,
            };
            var failed = DialectJson.Value(result, "is_error") is { ValueKind: JsonValueKind.True };
            turns.Add(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("role", "tool");
                writer.WriteString("tool_call_id", id);
                writer.WriteString("content", failed ? $"Error: {text}" : text);
                writer.WriteEndObject();
            });
        }

        var parts = blocks.Where(b => DialectJson.String(b, "type") != "tool_result").Select(b => Part(b, param)).ToList();
        if (parts.Count == 0)
        {
            return;
        }

        turns.Add(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("role", "user");
            writer.WriteStartArray("content");
            foreach (var part in parts)
            {
                part(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static Action<Utf8JsonWriter> Part(JsonElement block, string param)
    {
        switch (DialectJson.String(block, "type"))
        {
            case "text":
                var text = DialectJson.String(block, "text") ?? string.Empty;
                return writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", text);
                    writer.WriteEndObject();
                };
            case "image" when DialectJson.Value(block, "source") is { } source:
                var url = DialectJson.String(source, "type") switch
                {
                    "base64" => $"data:{DialectJson.String(source, "media_type")};base64,{DialectJson.String(source, "data")}",
                    "url" => DialectJson.String(source, "url"),
                    _ => null,
                } ?? throw new DialectRefusal($"{param}: an image's source must be base64 or a URL.", param);
                return writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "image_url");
                    writer.WriteStartObject("image_url");
                    writer.WriteString("url", url);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                };
            case var other:
                throw new DialectRefusal($"{param}: content blocks of type '{other}' are not supported by this model's endpoint (text, image, tool_use and tool_result are).", param);
        }
    }

    private static Action<Utf8JsonWriter> Assistant(List<JsonElement> blocks, string param)
    {
        var text = string.Concat(blocks.Where(b => DialectJson.String(b, "type") == "text").Select(b => DialectJson.String(b, "text")));
        var calls = blocks.Where(b => DialectJson.String(b, "type") == "tool_use").Select(b =>
            (Id: DialectJson.String(b, "id") ?? throw new DialectRefusal($"{param}: a tool_use needs an id.", param),
             Name: DialectJson.String(b, "name") ?? throw new DialectRefusal($"{param}: a tool_use needs a name.", param),
             Input: DialectJson.Value(b, "input")?.GetRawText() ?? "{}")).ToList();
        return writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("role", "assistant");
            if (text.Length > 0 || calls.Count == 0)
            {
                writer.WriteString("content", text);
            }
            else
            {
                writer.WriteNull("content");
            }

            if (calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var (id, name, input) in calls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", id);
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", name);
                    writer.WriteString("arguments", input);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        };
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        if (DialectJson.Value(root, "tools") is not { ValueKind: JsonValueKind.Array } tools || tools.GetArrayLength() == 0)
        {
            return;
        }

        writer.WriteStartArray("tools");
        foreach (var tool in tools.EnumerateArray())
        {
            if (DialectJson.String(tool, "type") is { } type and not "custom" || DialectJson.String(tool, "name") is not { } name)
            {
                throw new DialectRefusal("Only client tools with a name and an input_schema are supported by this model's endpoint (no server tools).", "tools");
            }

            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", name);
            if (DialectJson.String(tool, "description") is { } description)
            {
                writer.WriteString("description", description);
            }

            if (DialectJson.Value(tool, "input_schema") is { } schema)
            {
                writer.WritePropertyName("parameters");
                schema.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (DialectJson.Value(root, "tool_choice") is not { } choice)
        {
            return;
        }

        writer.WritePropertyName("tool_choice");
        switch (DialectJson.String(choice, "type"))
        {
            case "any":
                writer.WriteStringValue("required");
                break;
            case "none":
                writer.WriteStringValue("none");
                break;
            case "tool" when DialectJson.String(choice, "name") is { } forced:
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", forced);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStringValue("auto");
                break;
        }

        if (DialectJson.Value(choice, "disable_parallel_tool_use") is { ValueKind: JsonValueKind.True })
        {
            writer.WriteBoolean("parallel_tool_calls", false);
        }
    }
}
