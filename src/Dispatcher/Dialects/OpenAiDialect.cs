using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;
using BrokerGateway.Dispatcher.Upstream;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>OpenAI and the servers that copy its API: the caller's body to <c>{url}/{route}</c> as it came, the key as a bearer token, the answer as it is.</summary>
internal sealed class OpenAiDialect : IUpstreamDialect
{
    public bool TakesOpenAiBodies => true;

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream) =>
        new(new Uri($"{entry.Url}/{UpstreamPaths.For(request.Route)}"), body, Headers(entry, [new("Authorization", $"Bearer {key}")]));

    public (int Status, string Body)? ReadAnswer(int status, string body) => (status, body);

    public IEventSource ReadEvents(IEventSource events) => events;

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
