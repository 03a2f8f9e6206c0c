namespace BrokerGateway.Contracts.Manifest;

/// <summary>
/// The dialect an upstream speaks (the manifest's <c>api</c>): how the dispatcher sends it a
/// request — path, key header, body — and reads its answer back into OpenAI's shape.
/// </summary>
public enum UpstreamApi
{
    /// <summary>OpenAI's API and the servers that copy it (vLLM, llama.cpp, …): the body as sent, <c>Authorization: Bearer</c>.</summary>
    OpenAi,

    /// <summary>Azure OpenAI: OpenAI's bodies, the key in <c>api-key</c>, <c>?api-version=</c> on a deployments URL.</summary>
    Azure,

    /// <summary>Anthropic's Messages API: chat completions translated to <c>POST {url}/messages</c> and back, the key in <c>x-api-key</c>.</summary>
    Anthropic,
}
