using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Dialects.Responses;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Mock;

/// <summary>
/// The built-in mock speaks chat completions: a Messages request, and a Responses request (the mock
/// stores nothing, so it is translated as for a chat-only server), is translated for it, and its
/// answer back, as for any such upstream.
/// </summary>
internal static class MockOverChat
{
    /// <summary>Whether the mock answers a route through chat completions.</summary>
    public static bool Translates(UpstreamRoute route) => route is UpstreamRoute.Messages or UpstreamRoute.Responses;

    public static CompletionResult Answer(MockProvider mock, SubmitCompletion request) =>
        AsChat(request, stream: false, out var chat) is { } refused ? refused : Back(request.Route, mock.Answer(chat!));

    public static (CompletionResult? Refused, IEventSource? Events) Stream(MockProvider mock, SubmitCompletion request, TimeProvider time)
    {
        if (AsChat(request, stream: true, out var chat) is { } refused)
        {
            return (refused, null);
        }

        var (ended, events) = MockStream.For(mock, chat!);
        return ended is not null ? (Back(request.Route, ended), null)
            : (null, request.Route == UpstreamRoute.Messages ? new ChatEventsToMessages(events!) : new ChatEventsToResponses(events!, time));
    }

    private static CompletionResult? AsChat(SubmitCompletion request, bool stream, out SubmitCompletion? chat)
    {
        try
        {
            var body = request.Route == UpstreamRoute.Messages ? MessagesToChat.Translate(request.Body, stream) : ResponsesToChat.Translate(request.Body, stream);
            chat = request with { Route = UpstreamRoute.ChatCompletions, Body = body };
            return null;
        }
        catch (DialectRefusal refusal)
        {
            chat = null;
            return new CompletionResult(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, 400, refusal.Body(request.Route), null);
        }
    }

    private static CompletionResult Back(UpstreamRoute route, CompletionResult chat) =>
        (route == UpstreamRoute.Messages ? MessagesOverChat.Answer(route, chat.StatusCode, chat.Body) : ResponsesOverChat.Answer((chat.StatusCode, chat.Body))) is { } answer
            ? chat with { StatusCode = answer.Status, Body = answer.Body }
            : chat;
}
