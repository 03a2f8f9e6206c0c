using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Streaming;
using BrokerGateway.Dispatcher.Upstream;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// OpenAI and the servers that copy its API: the caller's body to <c>{url}/{route}</c> as it came,
/// the key as a bearer token, the answer as it is; a follow-up of a stored response is a GET,
/// DELETE or POST of <c>{url}/responses/{id}…</c>. A Messages request (<c>/v1/messages</c>) is
/// translated to a chat completion and its answer back (<see cref="MessagesOverChat"/>).
/// </summary>
internal sealed class OpenAiDialect : IUpstreamDialect
{
    public bool TakesOpenAiBodies(UpstreamRoute route) => OpenAiRoutes.TakeCallersBody(route);

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream)
    {
        return new(new Uri($"{entry.Url}/{MessagesOverChat.Path(request.Route, request.Target)}"), MessagesOverChat.Body(request.Route, body, stream, entry.StreamUsage), Headers(entry, [new("Authorization", $"Bearer {key}")]))
        {
            Method = UpstreamPaths.Method(request.Route),
        };
    }

    public (int Status, string Body)? ReadAnswer(UpstreamRoute route, int status, string body) => MessagesOverChat.Answer(route, status, body);

    public IEventSource ReadEvents(UpstreamRoute route, IEventSource events) => OpenAiRoutes.Events(route, events);

    /// <summary>The key's header first, then the entry's own (the manifest cannot name a key header: its parser refuses them).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(ManifestEntry entry, List<KeyValuePair<string, string>> keyed)
    {
        if (entry.Headers is { } extra)
        {
            keyed.AddRange(extra);
        }

        return keyed;
    }
}
