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
