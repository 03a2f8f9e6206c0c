using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>How a request translated to a chat completion asks for a stream: <c>"stream": true</c>, and the usage chunk unless the entry's upstream refuses <c>stream_options</c>.</summary>
internal static class ChatStreamRequest
{
    public static void Write(Utf8JsonWriter writer, bool stream, bool askUsage)
    {
        if (!stream)
        {
            return;
        }

        writer.WriteBoolean("stream", true);
        if (askUsage)
        {
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
    }
}
