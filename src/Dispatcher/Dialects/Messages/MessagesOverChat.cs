using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;
using BrokerGateway.Dispatcher.Upstream;

namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>
/// A Messages request (<c>/v1/messages</c>) to an upstream of OpenAI's dialect: sent as a chat
/// completion, its answer, errors and stream read back into Anthropic's shapes. Every other route
/// goes through unchanged.
/// </summary>
internal static class MessagesOverChat
{
    public static string Path(UpstreamRoute route, string? target = null) =>
        route == UpstreamRoute.Messages ? UpstreamPaths.For(UpstreamRoute.ChatCompletions) : UpstreamPaths.For(route, target);

    public static string Body(UpstreamRoute route, string body, bool stream, bool askUsage) =>
        route == UpstreamRoute.Messages ? MessagesToChat.Translate(body, stream, askUsage) : body;

    public static (int Status, string Body)? Answer(UpstreamRoute route, int status, string body) =>
        route != UpstreamRoute.Messages ? (status, body)
            : status is >= 200 and < 300 ? ChatToMessage.Answer(body) is { } message ? (status, message) : null
            : (status, ChatToMessage.Error(status, body));

    public static IEventSource Events(UpstreamRoute route, IEventSource events) =>
        route == UpstreamRoute.Messages ? new ChatEventsToMessages(events) : events;
}
