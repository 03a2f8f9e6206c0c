using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// A Responses API response object built from a chat completion (whole, or as its stream goes):
/// a <c>message</c> item for the text (or refusal), a <c>function_call</c> item per tool call, the
/// status from <c>finish_reason</c> (<c>length</c> and <c>content_filter</c> make it
/// <c>incomplete</c>, as OpenAI's do), and the usage in the Responses API's names. Nothing is
/// stored: <c>store</c> is false, so a caller is not led to continue from it.
/// </summary>
internal sealed class TranslatedResponse(string id, long createdAt, string? model)
{
    public string Id { get; } = id;

    public string? Model { get; set; } = model;

    /// <summary><c>in_progress</c> while streaming; from the finish reason at the end.</summary>
    public string Status { get; set; } = "in_progress";

    public string? IncompleteReason { get; private set; }

    public List<Item> Output { get; } = [];

    public JsonElement? Usage { get; set; }

    /// <summary>One output item: a message's text (or refusal), or a function call.</summary>
    internal sealed class Item(string type, string id)
    {
        public string Type { get; } = type;

        public string Id { get; } = id;

        public System.Text.StringBuilder Text { get; } = new();

        public string? Refusal { get; set; }

        public string? CallId { get; init; }

        public string? Name { get; init; }

        public System.Text.StringBuilder Arguments { get; } = new();

        public bool Done { get; set; }
    }

    public static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    /// <summary>The status a chat completion's <c>finish_reason</c> gives the response.</summary>
    public void Finish(string? finishReason)
    {
        (Status, IncompleteReason) = finishReason switch
        {
            "length" => ("incomplete", "max_output_tokens"),
            "content_filter" => ("incomplete", "content_filter"),
            _ => ("completed", null),
        };
    }

    public Item Add(string type, string prefix, string? callId = null, string? name = null)
    {
        var item = new Item(type, NewId(prefix)) { CallId = callId, Name = name };
        Output.Add(item);
        return item;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", createdAt);
        w.WriteString("status", Status);
        w.WriteNull("error");
        if (IncompleteReason is { } reason)
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", reason);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("incomplete_details");
        }

        w.WriteString("model", Model);
        w.WriteStartArray("output");
        foreach (var item in Output)
        {
            WriteItem(w, item, item.Done || Status != "in_progress");
        }

        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", true);
        w.WriteNull("previous_response_id");
        w.WriteBoolean("store", false);
        w.WriteString("tool_choice", "auto");
        w.WriteStartArray("tools");
        w.WriteEndArray();
        w.WriteStartObject("text");
        w.WriteStartObject("format");
        w.WriteString("type", "text");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("truncation", "disabled");
        if (Usage is { } usage)
        {
            w.WritePropertyName("usage");
            WriteUsage(w, usage);
        }
        else
        {
            w.WriteNull("usage");
        }

        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteItem(Utf8JsonWriter w, Item item, bool done)
    {
        var status = done ? "completed" : "in_progress";
        w.WriteStartObject();
        w.WriteString("id", item.Id);
        w.WriteString("type", item.Type);
        w.WriteString("status", status);
        if (item.Type == "message")
        {
            w.WriteString("role", "assistant");
            w.WriteStartArray("content");
            if (done || item.Text.Length > 0 || item.Refusal is not null)
            {
                WritePart(w, item);
            }

            w.WriteEndArray();
        }
        else
        {
            w.WriteString("call_id", item.CallId);
            w.WriteString("name", item.Name);
            w.WriteString("arguments", done && item.Arguments.Length == 0 ? "{}" : item.Arguments.ToString());
        }

        w.WriteEndObject();
    }

    /// <summary>A message's one content part: its text, or the model's refusal.</summary>
    public static void WritePart(Utf8JsonWriter w, Item item)
    {
        w.WriteStartObject();
        if (item.Refusal is { } refusal)
        {
            w.WriteString("type", "refusal");
            w.WriteString("refusal", refusal);
        }
        else
        {
            w.WriteString("type", "output_text");
            w.WriteString("text", item.Text.ToString());
            w.WriteStartArray("annotations");
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    /// <summary>Chat's usage (<c>prompt_tokens</c>, <c>completion_tokens</c>, their details) in the Responses API's names.</summary>
    public static void WriteUsage(Utf8JsonWriter w, JsonElement usage)
    {
        var input = DialectJson.Number(usage, "prompt_tokens");
        var output = DialectJson.Number(usage, "completion_tokens");
        var cached = DialectJson.Value(usage, "prompt_tokens_details") is { } prompt ? DialectJson.Number(prompt, "cached_tokens") : 0;
        var reasoning = DialectJson.Value(usage, "completion_tokens_details") is { } completion ? DialectJson.Number(completion, "reasoning_tokens") : 0;
        var total = DialectJson.Number(usage, "total_tokens");
        w.WriteStartObject();
        w.WriteNumber("input_tokens", input);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", cached);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", output);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", reasoning);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", total > 0 ? total : input + output);
        w.WriteEndObject();
    }

    public string ToJson() => DialectJson.Write(this, static (w, self) => self.Write(w));
}
