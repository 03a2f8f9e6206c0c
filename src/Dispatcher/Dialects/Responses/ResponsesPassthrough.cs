using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// OpenAI's Responses API (<c>/v1/responses</c>), served by an upstream that has it: the body
/// and answer as they are, the stream's typed events relayed with their usage read on the way. An
/// entry whose <c>responses</c> is <c>translate</c> (an Anthropic upstream, a chat-only server) is
/// served by <see cref="ResponsesOverChat"/> instead.
/// </summary>
internal static class ResponsesPassthrough
{
    /// <summary>
    /// The body with <c>model</c> set to an Azure deployment's name: the resource's Responses API
    /// (<c>…/openai/responses</c>) picks the deployment by it, where a deployments URL named it.
    /// </summary>
    public static string WithModel(string body, string model)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return body;
            }

            return DialectJson.Write((document.RootElement, model), static (writer, s) =>
            {
                writer.WriteStartObject();
                writer.WriteString("model", s.model);
                foreach (var property in s.Item1.EnumerateObject().Where(p => !p.NameEquals("model")))
                {
                    property.WriteTo(writer);
                }

                writer.WriteEndObject();
            });
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
