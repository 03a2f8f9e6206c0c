namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// A request the endpoint's dialect cannot express (embeddings to Anthropic, <c>n</c> above 1, a
/// content part it has no counterpart for): the caller gets a 400 in OpenAI's shape naming what,
/// and no upstream is called.
/// </summary>
internal sealed class DialectRefusal(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;

    /// <summary>The 400's body in the caller's shape: OpenAI's, or Anthropic's for <c>/v1/messages</c>.</summary>
    public string Body(Contracts.Messages.UpstreamRoute route) =>
        route == Contracts.Messages.UpstreamRoute.Messages
            ? Messages.ChatToMessage.Body("invalid_request_error", Message)
            : OpenAiError.Body(Message, "invalid_request_error", "unsupported_by_endpoint", Param);
}
