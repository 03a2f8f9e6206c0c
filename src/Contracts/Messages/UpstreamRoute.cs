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

    /// <summary>A stored response, fetched again (<c>GET /v1/responses/{id}</c>) from the endpoint that made it.</summary>
    ResponseRetrieve,

    /// <summary>A stored response deleted (<c>DELETE /v1/responses/{id}</c>) at the endpoint that made it.</summary>
    ResponseDelete,

    /// <summary>A stored response's input items (<c>GET /v1/responses/{id}/input_items</c>).</summary>
    ResponseInputItems,

    /// <summary>A background response cancelled (<c>POST /v1/responses/{id}/cancel</c>).</summary>
    ResponseCancel,
}

public static class UpstreamRoutes
{
    /// <summary>Whether a route follows up a response stored at the endpoint that made it (it has no body, and reports no usage of its own).</summary>
    public static bool IsResponseFollowUp(this UpstreamRoute route) =>
        route is UpstreamRoute.ResponseRetrieve or UpstreamRoute.ResponseDelete or UpstreamRoute.ResponseInputItems or UpstreamRoute.ResponseCancel;
}
