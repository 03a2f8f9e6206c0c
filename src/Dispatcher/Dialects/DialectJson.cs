using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// Writing a translated body: a <see cref="Utf8JsonWriter"/> (the translation copies the caller's
/// values — schemas, tool arguments — through as they are, which records cannot), escaped as the
/// rest of the gateway's JSON is.
/// </summary>
internal static class DialectJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer, state);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A caller's body, parsed for translation; one that is not JSON is refused (400).</summary>
    public static JsonDocument ParseRequest(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new DialectRefusal("The request body is not valid JSON.");
        }
    }

    /// <summary>The property's string value, or null when it is missing or not a string.</summary>
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Text(value) : null;

    /// <summary>
    /// A string's value. An escaped lone surrogate (<c>"\ud800"</c>) is valid JSON but no valid
    /// string: that is the caller's fault, said as a refusal (400), never an exception that faults
    /// the message; in an upstream's answer it makes the answer unreadable.
    /// </summary>
    public static string Text(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new DialectRefusal("The request contains a string that is not valid Unicode (an unpaired surrogate).");
        }
    }

    /// <summary>The property's value when it is present and not null.</summary>
    public static JsonElement? Value(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static long Number(JsonElement element, string name) =>
        Value(element, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) ? number : 0;
}
