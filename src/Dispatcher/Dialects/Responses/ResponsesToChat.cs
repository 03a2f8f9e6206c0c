using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// A stateless Responses API request as an OpenAI chat completion request, for an entry whose
/// <c>responses</c> is <c>translate</c> (an Anthropic upstream, a chat-only server such as
/// llama.cpp): <c>instructions</c> becomes a system message; <c>input</c> — a text, or items —
/// becomes the conversation (messages with text and image parts, <c>function_call</c> items
/// assistant tool calls, <c>function_call_output</c> items <c>tool</c> messages); function
/// <c>tools</c>, <c>tool_choice</c>, <c>parallel_tool_calls</c>, <c>max_output_tokens</c>,
/// <c>temperature</c>, <c>top_p</c>, <c>user</c>, <c>text.format</c> (as <c>response_format</c>),
/// <c>reasoning.effort</c> and <c>stream</c> (with usage asked for) are carried over. What needs a
/// stored state — <c>previous_response_id</c>, <c>conversation</c>, <c>background</c>, a stored
/// <c>prompt</c>, <c>item_reference</c> — and the built-in tools are refused with a 400 saying why;
/// <c>store</c>, <c>include</c>, <c>truncation</c> and <c>metadata</c> are dropped.
/// </summary>
internal static class ResponsesToChat
{
    /// <param name="askUsage">Whether a stream asks for <c>stream_options.include_usage</c> (not for an entry whose <c>stream_usage</c> is false).</param>
    public static string Translate(string body, bool stream, bool askUsage = true)
    {
        using var document = DialectJson.ParseRequest(body);
        var root = document.RootElement;
        Refuse(root);
        var messages = Messages(root);
        var tools = Tools(root);
        return DialectJson.Write((root, messages, tools, stream, askUsage), static (writer, s) => Write(writer, s.root, s.messages, s.tools, s.stream, s.askUsage));
    }

    private static void Refuse(JsonElement root)
    {
        if (DialectJson.Value(root, "previous_response_id") is not null)
        {
            throw new DialectRefusal(
                "previous_response_id: this model's endpoint has no Responses API of its own, so the gateway translates each request to chat completions and no response is stored to continue from; send the whole conversation in 'input' instead.",
                "previous_response_id");
        }

        if (DialectJson.Value(root, "conversation") is not null)
        {
            throw new DialectRefusal("conversation: this model's endpoint has no Responses API of its own, so no conversation is stored; send the whole conversation in 'input' instead.", "conversation");
        }

        if (DialectJson.Value(root, "background") is { ValueKind: JsonValueKind.True })
        {
            throw new DialectRefusal("background: this model's endpoint has no Responses API of its own, so a response cannot run in the background; leave 'background' out.", "background");
        }

        if (DialectJson.Value(root, "input") is null)
        {
            throw new DialectRefusal(
                DialectJson.Value(root, "prompt") is not null
                    ? "prompt: stored prompts live in an OpenAI project, and this model's endpoint has none; send the text in 'input'."
                    : "input: Field required",
                DialectJson.Value(root, "prompt") is not null ? "prompt" : "input");
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement root, List<Action<Utf8JsonWriter>> messages, List<JsonElement> tools, bool stream, bool askUsage)
    {
        writer.WriteStartObject();
        if (DialectJson.Value(root, "model") is { } model)
        {
            writer.WritePropertyName("model");
            model.WriteTo(writer);
        }

        writer.WriteStartArray("messages");
        foreach (var message in messages)
        {
            message(writer);
        }

        writer.WriteEndArray();
        if (DialectJson.Value(root, "max_output_tokens") is { ValueKind: JsonValueKind.Number } max)
        {
            writer.WritePropertyName("max_tokens");
            max.WriteTo(writer);
        }

        foreach (var name in (ReadOnlySpan<string>)["temperature", "top_p", "parallel_tool_calls"])
        {
            if (DialectJson.Value(root, name) is { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        if (DialectJson.String(root, "user") is { } user)
        {
            writer.WriteString("user", user);
        }

        if (DialectJson.Value(root, "reasoning") is { } reasoning && DialectJson.String(reasoning, "effort") is { } effort)
        {
            writer.WriteString("reasoning_effort", effort);
        }

        WriteFormat(writer, root);
        if (tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                foreach (var name in (ReadOnlySpan<string>)["name", "description", "parameters", "strict"])
                {
                    if (DialectJson.Value(tool, name) is { } value)
                    {
                        writer.WritePropertyName(name);
                        value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteToolChoice(writer, root);
        ChatStreamRequest.Write(writer, stream, askUsage);

        writer.WriteEndObject();
    }

    /// <summary>The conversation as chat messages, read whole before anything is written, so that a refusal comes first.</summary>
    private static List<Action<Utf8JsonWriter>> Messages(JsonElement root)
    {
        var messages = new List<Action<Utf8JsonWriter>>();
        if (DialectJson.String(root, "instructions") is { Length: > 0 } instructions)
        {
            messages.Add(w => TextMessage(w, "system", instructions));
        }

        switch (DialectJson.Value(root, "input"))
        {
            case { ValueKind: JsonValueKind.String } text:
                var said = DialectJson.Text(text);
                messages.Add(w => TextMessage(w, "user", said));
                break;
            case { ValueKind: JsonValueKind.Array } items:
                Items(messages, items);
                break;
            default:
                throw new DialectRefusal("input: must be a string or an array of input items", "input");
        }

        return messages;
    }

    private static void Items(List<Action<Utf8JsonWriter>> messages, JsonElement items)
    {
        var index = 0;
        List<JsonElement>? calls = null;
        foreach (var item in items.EnumerateArray())
        {
            var param = $"input[{index++}]";
            var type = DialectJson.String(item, "type") ?? (DialectJson.Value(item, "role") is not null ? "message" : null);
            if (type != "function_call" && calls is { } pending)
            {
                messages.Add(w => ToolCalls(w, pending));
                calls = null;
            }

            switch (type)
            {
                case "message":
                    messages.Add(Message(item, param));
                    break;
                case "function_call":
                    (calls ??= []).Add(item.Clone());
                    break;
                case "function_call_output":
                    messages.Add(ToolOutput(item, param));
                    break;
                case "reasoning":
                    // A reasoning model's summary of its own thinking: a chat upstream has no place for it.
                    break;
                case "item_reference":
                    throw new DialectRefusal($"{param}: an item_reference names a stored item, and this model's endpoint stores none; send the item itself.", param);
                default:
                    throw new DialectRefusal($"{param}.type: '{type}' items cannot be translated to chat completions for this model's endpoint; 'message', 'function_call' and 'function_call_output' can.", param);
            }
        }

        if (calls is { } last)
        {
            messages.Add(w => ToolCalls(w, last));
        }
    }

    private static Action<Utf8JsonWriter> Message(JsonElement item, string param)
    {
        var role = DialectJson.String(item, "role");
        if (role is not ("user" or "assistant" or "system" or "developer"))
        {
            throw new DialectRefusal($"{param}.role: must be 'user', 'assistant', 'system' or 'developer'", param);
        }

        switch (DialectJson.Value(item, "content"))
        {
            case { ValueKind: JsonValueKind.String } text:
                var said = DialectJson.Text(text);
                return w => TextMessage(w, role, said);
            case { ValueKind: JsonValueKind.Array } parts:
                var content = Parts(parts, role, param);
                return w =>
                {
                    w.WriteStartObject();
                    w.WriteString("role", role);
                    w.WritePropertyName("content");
                    content(w);
                    w.WriteEndObject();
                };
            default:
                throw new DialectRefusal($"{param}.content: must be a string or an array of content parts", param);
        }
    }

    /// <summary>A message's parts: text and images for a user, text for the rest (as chat completions take them).</summary>
    private static Action<Utf8JsonWriter> Parts(JsonElement parts, string role, string param)
    {
        var texts = new List<string>();
        var converted = new List<(string Kind, string Value, string? Detail)>();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var at = $"{param}.content[{index++}]";
            switch (DialectJson.String(part, "type"))
            {
                case "input_text" or "output_text" or "text":
                    var text = DialectJson.String(part, "text") ?? throw new DialectRefusal($"{at}.text: Field required", at);
                    texts.Add(text);
                    converted.Add(("text", text, null));
                    break;
                case "refusal":
                    var refusal = DialectJson.String(part, "refusal") ?? string.Empty;
                    texts.Add(refusal);
                    converted.Add(("text", refusal, null));
                    break;
                case "input_image" when role == "user":
                    var url = DialectJson.String(part, "image_url")
                        ?? throw new DialectRefusal($"{at}: an image must be given as 'image_url' (a URL or a data URL); a file_id names a stored file this model's endpoint does not have.", at);
                    converted.Add(("image", url, DialectJson.String(part, "detail")));
                    break;
                case var other:
                    throw new DialectRefusal($"{at}.type: '{other}' parts cannot be translated to chat completions for this model's endpoint.", at);
            }
        }

        if (role != "user" || converted.All(p => p.Kind == "text"))
        {
            // Assistant and system turns take plain text in every chat server.
            var joined = string.Join("\n", texts);
            return w => w.WriteStringValue(joined);
        }

        return w =>
        {
            w.WriteStartArray();
            foreach (var (kind, value, detail) in converted)
            {
                w.WriteStartObject();
                if (kind == "text")
                {
                    w.WriteString("type", "text");
                    w.WriteString("text", value);
                }
                else
                {
                    w.WriteString("type", "image_url");
                    w.WriteStartObject("image_url");
                    w.WriteString("url", value);
                    if (detail is not null)
                    {
                        w.WriteString("detail", detail);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    /// <summary>Consecutive function calls are one assistant turn with several tool calls, as chat completions make them.</summary>
    private static void ToolCalls(Utf8JsonWriter writer, List<JsonElement> calls)
    {
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteNull("content");
        writer.WriteStartArray("tool_calls");
        foreach (var call in calls)
        {
            writer.WriteStartObject();
            writer.WriteString("id", DialectJson.String(call, "call_id") ?? DialectJson.String(call, "id"));
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", DialectJson.String(call, "name"));
            writer.WriteString("arguments", DialectJson.String(call, "arguments") ?? "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static Action<Utf8JsonWriter> ToolOutput(JsonElement item, string param)
    {
        var callId = DialectJson.String(item, "call_id") ?? throw new DialectRefusal($"{param}.call_id: Field required", param);
        var output = DialectJson.Value(item, "output") switch
        {
            { ValueKind: JsonValueKind.String } text => DialectJson.Text(text),
            { ValueKind: JsonValueKind.Array } parts => string.Join("\n", parts.EnumerateArray().Select(p => DialectJson.String(p, "text")).OfType<string>()),
            _ => throw new DialectRefusal($"{param}.output: Field required", param),
        };
        return w =>
        {
            w.WriteStartObject();
            w.WriteString("role", "tool");
            w.WriteString("tool_call_id", callId);
            w.WriteString("content", output);
            w.WriteEndObject();
        };
    }

    private static void TextMessage(Utf8JsonWriter writer, string role, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", text);
        writer.WriteEndObject();
    }

    /// <summary>The function tools; a built-in tool (web search, file search, code interpreter, MCP, …) needs OpenAI's servers and is refused.</summary>
    private static List<JsonElement> Tools(JsonElement root)
    {
        var tools = new List<JsonElement>();
        if (DialectJson.Value(root, "tools") is not { ValueKind: JsonValueKind.Array } array)
        {
            return tools;
        }

        var index = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var param = $"tools[{index++}]";
            if (DialectJson.String(tool, "type") is not "function" and var type)
            {
                throw new DialectRefusal($"{param}.type: the built-in '{type}' tool runs on OpenAI's servers and cannot be offered to this model's endpoint; function tools can.", param);
            }

            if (DialectJson.String(tool, "name") is null)
            {
                throw new DialectRefusal($"{param}.name: Field required", param);
            }

            tools.Add(tool);
        }

        return tools;
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement root)
    {
        switch (DialectJson.Value(root, "tool_choice"))
        {
            case { ValueKind: JsonValueKind.String } mode:
                writer.WriteString("tool_choice", DialectJson.Text(mode));
                break;
            case { ValueKind: JsonValueKind.Object } choice when DialectJson.String(choice, "type") == "function" && DialectJson.String(choice, "name") is { } name:
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", name);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            case { ValueKind: JsonValueKind.Object }:
                throw new DialectRefusal("tool_choice: only 'auto', 'none', 'required' or a function can be chosen for this model's endpoint.", "tool_choice");
        }
    }

    /// <summary><c>text.format</c> as chat's <c>response_format</c>: JSON mode, or a JSON schema with its name, description and strictness.</summary>
    private static void WriteFormat(Utf8JsonWriter writer, JsonElement root)
    {
        if (DialectJson.Value(root, "text") is not { } text || DialectJson.Value(text, "format") is not { } format)
        {
            return;
        }

        switch (DialectJson.String(format, "type"))
        {
            case "json_object":
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_object");
                writer.WriteEndObject();
                break;
            case "json_schema":
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_schema");
                writer.WriteStartObject("json_schema");
                foreach (var name in (ReadOnlySpan<string>)["name", "description", "schema", "strict"])
                {
                    if (DialectJson.Value(format, name) is { } value)
                    {
                        writer.WritePropertyName(name);
                        value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
        }
    }
}
