namespace BrokerGateway.Contracts.Messages;

/// <summary>The OpenAI-compatible operation a request calls on the upstream.</summary>
public enum UpstreamRoute
{
    ChatCompletions,
    Completions,
    Embeddings,
}
