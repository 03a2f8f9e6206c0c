using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Dispatcher.Dialects.Anthropic;
using BrokerGateway.Dispatcher.Dialects.Responses;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>The dialect of each kind of upstream (a manifest entry's <c>api</c>), with the Responses API translated to chat for an entry whose <c>responses</c> is <c>translate</c>.</summary>
internal sealed class UpstreamDialects(OpenAiDialect openAi, AzureDialect azure, AnthropicDialect anthropic, TimeProvider time)
{
    private readonly ResponsesOverChat _openAiChat = new(openAi, time);
    private readonly ResponsesOverChat _azureChat = new(azure, time);
    private readonly ResponsesOverChat _anthropicChat = new(anthropic, time);

    public IUpstreamDialect For(ManifestEntry entry) => (entry.Api, entry.ResponsesServedBy) switch
    {
        (UpstreamApi.Azure, ResponsesMode.Translate) => _azureChat,
        (UpstreamApi.Azure, _) => azure,
        (UpstreamApi.Anthropic, _) => _anthropicChat,
        (_, ResponsesMode.Translate) => _openAiChat,
        _ => openAi,
    };
}
