namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>OpenAI's error body, <c>{"error": {"message", "type", "param", "code"}}</c>, for answers the dispatcher puts into that shape.</summary>
internal static class OpenAiError
{
    public static string Body(string message, string type, string? code, string? param = null) =>
        DialectJson.Write((message, type, code, param), static (writer, e) =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", e.message);
            writer.WriteString("type", e.type);
            writer.WriteString("param", e.param);
            writer.WriteString("code", e.code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
}
