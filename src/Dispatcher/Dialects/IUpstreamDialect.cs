using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// How the dispatcher talks to one kind of upstream: it turns an OpenAI-shaped request into the
/// call that upstream expects, and reads what comes back — a whole answer or a stream of events —
/// into the caller's shape (OpenAI's, or Anthropic's for <c>/v1/messages</c>), so that the ingress
/// stays dialect-blind.
/// </summary>
internal interface IUpstreamDialect
{
    /// <summary>Whether the upstream takes the caller's OpenAI body for this route as it is (so a stream may be asked for <c>stream_options</c>, and its chunks read for usage).</summary>
    bool TakesOpenAiBodies(UpstreamRoute route);

    /// <summary>The call for a request; throws <see cref="DialectRefusal"/> when the dialect cannot express it.</summary>
    UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream);

    /// <summary>A whole answer in the shape of the caller's route (OpenAI's; Anthropic's for <c>/v1/messages</c>); null when it cannot be read as this dialect's.</summary>
    (int Status, string Body)? ReadAnswer(UpstreamRoute route, int status, string body);

    /// <summary>An open stream's events in the caller's dialect: OpenAI's chunks with <c>[DONE]</c> last, or for <c>/v1/messages</c> Anthropic's events.</summary>
    IEventSource ReadEvents(UpstreamRoute route, IEventSource events);
}
