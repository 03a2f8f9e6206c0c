namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// An error event in an upstream's stream (Anthropic's <c>overloaded_error</c> after a 200, an
/// OpenAI error chunk): the stream failed. Before anything was relayed the ingress fails over, as
/// for an error status; after, it ends the stream with its error event. The message is the
/// upstream's error type only, never its text.
/// </summary>
internal sealed class UpstreamStreamError(string type) : Exception(type);
