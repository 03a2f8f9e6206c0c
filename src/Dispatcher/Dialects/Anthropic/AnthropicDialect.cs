using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
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

    public bool TakesOpenAiBodies => false;

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream)
    {
        if (request.Route != UpstreamRoute.ChatCompletions)
        {
            throw new DialectRefusal(request.Route == UpstreamRoute.Embeddings
                ? $"Endpoint '{entry.EndpointId}' serves Anthropic's Messages API, which has no embeddings; use a model of an embeddings endpoint."
                : $"Endpoint '{entry.EndpointId}' serves Anthropic's Messages API, which has no legacy completions; use /v1/chat/completions.");
        }

        var translated = AnthropicRequest.FromChat(body, options.Value.AnthropicMaxTokens, stream);
        return new UpstreamCall(new Uri($"{entry.Url}/messages"), translated,
            OpenAiDialect.Headers(entry, [new("x-api-key", key), new("anthropic-version", entry.ApiVersion ?? DefaultVersion)]));
    }

    public (int Status, string Body)? ReadAnswer(int status, string body) =>
        status is >= 200 and < 300
            ? AnthropicAnswer.ToChat(body, time) is { } chat ? (status, chat) : null
            : AnthropicErrors.ToOpenAi(status, body);

    public IEventSource ReadEvents(IEventSource events) => new AnthropicEvents(events, time);
}
