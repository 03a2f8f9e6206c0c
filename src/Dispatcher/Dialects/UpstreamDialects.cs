using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Dispatcher.Dialects.Anthropic;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>The dialect of each kind of upstream (a manifest entry's <c>api</c>).</summary>
internal sealed class UpstreamDialects(OpenAiDialect openAi, AzureDialect azure, AnthropicDialect anthropic)
{
    public IUpstreamDialect For(ManifestEntry entry) => entry.Api switch
    {
        UpstreamApi.Azure => azure,
        UpstreamApi.Anthropic => anthropic,
        _ => openAi,
    };
}
