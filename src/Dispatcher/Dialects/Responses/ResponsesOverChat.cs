using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// The Responses API for an entry whose <c>responses</c> is <c>translate</c> (the default for
/// Anthropic; set it for chat-only servers such as llama.cpp): a request is translated to a chat
/// completion (<see cref="ResponsesToChat"/>), which the entry's own dialect then makes its call of —
/// so an Anthropic entry gets a Messages request — and the answer and stream come back the same
/// way, through the entry's dialect to chat and from chat to a response
/// (<see cref="ChatToResponse"/>, <see cref="ChatEventsToResponses"/>). Other routes are the inner
/// dialect's.
/// </summary>
internal sealed class ResponsesOverChat(IUpstreamDialect chat, TimeProvider time) : IUpstreamDialect
{
    public bool TakesOpenAiBodies(UpstreamRoute route) => route != UpstreamRoute.Responses && chat.TakesOpenAiBodies(route);

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream) =>
        request.Route == UpstreamRoute.Responses
            ? chat.Prepare(entry, key, request with { Route = UpstreamRoute.ChatCompletions }, ResponsesToChat.Translate(body, stream, entry.StreamUsage), stream)
            : chat.Prepare(entry, key, request, body, stream);

    public (int Status, string Body)? ReadAnswer(UpstreamRoute route, int status, string body) =>
        route == UpstreamRoute.Responses ? Answer(chat.ReadAnswer(UpstreamRoute.ChatCompletions, status, body)) : chat.ReadAnswer(route, status, body);

    public IEventSource ReadEvents(UpstreamRoute route, IEventSource events) =>
        route == UpstreamRoute.Responses ? new ChatEventsToResponses(chat.ReadEvents(UpstreamRoute.ChatCompletions, events), time) : chat.ReadEvents(route, events);

    /// <summary>A chat answer as a response; an error is OpenAI's already (the entry's dialect made it so) and stays.</summary>
    public static (int Status, string Body)? Answer((int Status, string Body)? answered) =>
        answered is not { } chat ? null
            : chat.Status is >= 200 and < 300 ? ChatToResponse.Answer(chat.Body) is { } response ? (chat.Status, response) : null
            : chat;
}
