using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Mock;

/// <summary>The built-in mock speaks OpenAI's dialect: a Messages request is translated for it, and its answer back, as for any such upstream.</summary>
internal static class MockMessages
{
    public static CompletionResult Answer(MockProvider mock, SubmitCompletion request) =>
        AsChat(request, stream: false, out var chat) is { } refused ? refused : Back(mock.Answer(chat!));

    public static (CompletionResult? Refused, IEventSource? Events) Stream(MockProvider mock, SubmitCompletion request)
    {
        if (AsChat(request, stream: true, out var chat) is { } refused)
        {
            return (refused, null);
        }

        var (ended, events) = MockStream.For(mock, chat!);
        return ended is not null ? (Back(ended), null) : (null, new ChatEventsToMessages(events!));
    }

    private static CompletionResult? AsChat(SubmitCompletion request, bool stream, out SubmitCompletion? chat)
    {
        try
        {
            chat = request with { Route = UpstreamRoute.ChatCompletions, Body = MessagesToChat.Translate(request.Body, stream) };
            return null;
        }
        catch (DialectRefusal refusal)
        {
            chat = null;
            return new CompletionResult(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, 400, refusal.Body(UpstreamRoute.Messages), null);
        }
    }

    private static CompletionResult Back(CompletionResult chat) =>
        MessagesOverChat.Answer(UpstreamRoute.Messages, chat.StatusCode, chat.Body) is { } message
            ? chat with { StatusCode = message.Status, Body = message.Body }
            : chat;
}
