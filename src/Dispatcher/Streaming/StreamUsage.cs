using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Every stream is counted: the upstream is asked for <c>stream_options.include_usage</c> (unless
/// its manifest entry says it refuses the option), and the usage-only event it then sends last is
/// read here — and kept from a caller who did not ask for it.
/// </summary>
internal static class StreamUsage
{
    /// <summary>The body to send upstream, and whether the caller asked for usage itself.</summary>
    public static (string Body, bool CallerAsked) Request(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                // Not for the dispatcher to judge: the upstream refuses it as it would without the gateway.
                return (body, true);
            }

            if (!root.TryGetProperty("stream_options", out _))
            {
                // The common case: add the option without rewriting the caller's JSON.
                var end = body.LastIndexOf('}');
                return (string.Concat(body.AsSpan(0, end), ",\"stream_options\":{\"include_usage\":true}", body.AsSpan(end)), false);
            }

            return Asked(root) ? (body, true) : (WithUsage(root), false);
        }
        catch (JsonException)
        {
            return (body, true);
        }
    }

    /// <summary>Whether the caller asked for usage itself; a body that is not a JSON object counts as asking (the upstream judges it).</summary>
    public static bool CallerAsked(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind != JsonValueKind.Object || Asked(document.RootElement);
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static bool Asked(JsonElement root) =>
        root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
        && options.TryGetProperty("include_usage", out var asked) && asked.ValueKind == JsonValueKind.True;

    /// <summary>The body with <c>stream_options.include_usage</c> set, every other property as it was.</summary>
    // A Utf8JsonWriter, not a serializer context: this edits a caller's body, whose properties the
    // gateway does not know and copies through as they came, rather than writing one of its own.
    private static string WithUsage(JsonElement root)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("stream_options"))
                {
                    writer.WriteStartObject(property.Name);
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var option in property.Value.EnumerateObject().Where(o => !o.NameEquals("include_usage")))
                        {
                            option.WriteTo(writer);
                        }
                    }

                    writer.WriteBoolean("include_usage", true);
                    writer.WriteEndObject();
                }
                else
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Whether the event carries a usage object; if so, <paramref name="usage"/> is
    /// <c>{"usage": …}</c> and <paramref name="usageOnly"/> says the event holds no choices.
    /// Most events are told apart without parsing them.
    /// </summary>
    public static bool TryRead(string data, out string? usage, out bool usageOnly)
    {
        usage = null;
        usageOnly = false;
        if (!MayHoldUsage(data))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("usage", out var found) || found.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            usage = $"{{\"usage\":{found.GetRawText()}}}";
            usageOnly = !root.TryGetProperty("choices", out var choices) || (choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A <c>"usage"</c> key followed by an object (not <c>null</c>, which every other event carries once usage is asked for).</summary>
    private static bool MayHoldUsage(string data)
    {
        var span = data.AsSpan();
        for (var at = span.IndexOf("\"usage\"", StringComparison.Ordinal); at >= 0;)
        {
            var rest = span[(at + 7)..].TrimStart();
            if (rest.StartsWith(':') && rest[1..].TrimStart().StartsWith('{'))
            {
                return true;
            }

            span = span[(at + 7)..];
            at = span.IndexOf("\"usage\"", StringComparison.Ordinal);
        }

        return false;
    }
}
