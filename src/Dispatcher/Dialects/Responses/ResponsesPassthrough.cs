using System.Text.Json;
using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// OpenAI's Responses API (<c>/v1/responses</c>), served by an upstream that has it: the body
/// and answer as they are, the stream's typed events relayed with their usage read on the way. An
/// entry whose <c>responses</c> is <c>translate</c> (an Anthropic upstream, a chat-only server) is
/// refused for now: the translation to chat completions is not built yet.
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

    public static void Check(ManifestEntry entry)
    {
        if (entry.ResponsesServedBy == ResponsesMode.Translate)
        {
            throw new DialectRefusal(
                $"Endpoint '{entry.EndpointId}' has no Responses API of its own, and the gateway does not translate it to chat completions yet; use /v1/chat/completions for this model.",
                "model");
        }
    }
}
