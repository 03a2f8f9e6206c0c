namespace BrokerGateway.Contracts.Messages;

/// <summary>The operation a request calls: OpenAI's three, or Anthropic's Messages API (which the dispatcher translates for an upstream of another dialect).</summary>
public enum UpstreamRoute
{
    ChatCompletions,
    Completions,
    Embeddings,
    Messages,

    /// <summary>OpenAI's Responses API (<c>/v1/responses</c>), passed through to an upstream that has it.</summary>
    Responses,
}
