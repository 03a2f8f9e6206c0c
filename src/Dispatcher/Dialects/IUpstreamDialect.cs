using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// How the dispatcher talks to one kind of upstream: it turns an OpenAI-shaped request into the
/// call that upstream expects, and reads what comes back — a whole answer or a stream of events —
/// into OpenAI's shape, so that the ingress stays dialect-blind.
/// </summary>
internal interface IUpstreamDialect
{
    /// <summary>Whether the upstream takes OpenAI's bodies as they are (so a stream may be asked for <c>stream_options</c>).</summary>
    bool TakesOpenAiBodies { get; }

    /// <summary>The call for a request; throws <see cref="DialectRefusal"/> when the dialect cannot express it.</summary>
    UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream);

    /// <summary>A whole answer in OpenAI's shape (status and body); null when it cannot be read as this dialect's.</summary>
    (int Status, string Body)? ReadAnswer(int status, string body);

    /// <summary>An open stream's events as OpenAI's <c>chat.completion.chunk</c> data, <c>[DONE]</c> last.</summary>
    IEventSource ReadEvents(IEventSource events);
}
