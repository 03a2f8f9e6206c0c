using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Streaming;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Dialects.Anthropic;

/// <summary>
/// Anthropic's Messages API: a chat completion is translated to <c>POST {url}/messages</c> with
/// the key in <c>x-api-key</c> and <c>anthropic-version</c> (the entry's <c>api_version</c>, else
/// <see cref="DefaultVersion"/>), and its answer, stream and errors are read back into OpenAI's
/// shapes. Anthropic has no embeddings and no legacy completions: those are refused with a 400.
/// </summary>
internal sealed class AnthropicDialect(IOptions<DispatcherOptions> options, TimeProvider time) : IUpstreamDialect
{
    /// <summary>The Messages API's version header, when the entry names none.</summary>
    public const string DefaultVersion = "2023-06-01";

    public bool TakesOpenAiBodies(UpstreamRoute route) => false;

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream)
    {
        var version = request.Headers?.GetValueOrDefault("anthropic-version") ?? entry.ApiVersion ?? DefaultVersion;
        List<KeyValuePair<string, string>> headers = [new("x-api-key", key), new("anthropic-version", version)];
        var beta = string.Join(",", new[] { entry.Headers?.GetValueOrDefault("anthropic-beta"), request.Headers?.GetValueOrDefault("anthropic-beta") }.Where(b => !string.IsNullOrEmpty(b)));
        if (beta.Length > 0)
        {
            headers.Add(new("anthropic-beta", beta));
        }

        headers.AddRange((entry.Headers ?? new Dictionary<string, string>()).Where(h => !h.Key.Equals("anthropic-beta", StringComparison.OrdinalIgnoreCase)));
        return request.Route switch
        {
            // The caller speaks Anthropic's dialect already: its body goes as it came.
            UpstreamRoute.Messages => new UpstreamCall(new Uri($"{entry.Url}/messages"), body, headers),
            UpstreamRoute.ChatCompletions => new UpstreamCall(new Uri($"{entry.Url}/messages"), AnthropicRequest.FromChat(body, options.Value.AnthropicMaxTokens, stream), headers),
            UpstreamRoute.Embeddings => throw new DialectRefusal(
                $"Endpoint '{entry.EndpointId}' serves Anthropic's Messages API, which has no embeddings; use a model of an embeddings endpoint."),
            UpstreamRoute.Completions => throw new DialectRefusal(
                $"Endpoint '{entry.EndpointId}' serves Anthropic's Messages API, which has no legacy completions; use /v1/chat/completions."),

            // The Responses API reaches this dialect translated to chat (ResponsesOverChat); Anthropic stores no responses to follow up.
            _ => throw new DialectRefusal(
                $"Endpoint '{entry.EndpointId}' serves Anthropic's Messages API, which stores no responses; use /v1/chat/completions or /v1/messages."),
        };
    }

    public (int Status, string Body)? ReadAnswer(UpstreamRoute route, int status, string body) => route switch
    {
        UpstreamRoute.Messages => (status == AnthropicErrors.Overloaded ? 503 : status, body),
        _ when status is >= 200 and < 300 => AnthropicAnswer.ToChat(body, time) is { } chat ? (status, chat) : null,
        _ => AnthropicErrors.ToOpenAi(status, body),
    };

    public IEventSource ReadEvents(UpstreamRoute route, IEventSource events) =>
        route == UpstreamRoute.Messages ? new AnthropicUsageTap(events) : new AnthropicEvents(events, time);
}
