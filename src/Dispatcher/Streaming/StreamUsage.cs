using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Every stream is counted: the upstream is always asked for <c>stream_options.include_usage</c>,
/// and the usage-only event it then sends last is read here — and kept from a caller who did not
/// ask for it.
/// </summary>
public static class StreamUsage
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The body to send upstream, and whether the caller asked for usage itself.</summary>
    public static (string Body, bool CallerAsked) Request(string body)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            root = null;
        }

        if (root is null)
        {
            // Not for this dispatcher to judge: the upstream refuses it as it would without the gateway.
            return (body, true);
        }

        if (!root.ContainsKey("stream_options"))
        {
            // The common case: add the option without rewriting the caller's JSON.
            var end = body.LastIndexOf('}');
            return (string.Concat(body.AsSpan(0, end), ",\"stream_options\":{\"include_usage\":true}", body.AsSpan(end)), false);
        }

        if (root["stream_options"] is JsonObject options)
        {
            if (options["include_usage"] is JsonValue asked && asked.GetValueKind() == JsonValueKind.True)
            {
                return (body, true);
            }

            options["include_usage"] = true;
        }
        else
        {
            root["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return (root.ToJsonString(Relaxed), false);
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
