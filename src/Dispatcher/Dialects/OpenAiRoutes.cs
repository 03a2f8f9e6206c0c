using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Dialects.Responses;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>What OpenAI's and Azure's dialects share for each route: which take the caller's body as it is, and how a stream is read.</summary>
internal static class OpenAiRoutes
{
    /// <summary>OpenAI's three completion routes take the caller's body (and may be asked for <c>stream_options</c>); Messages is translated, Responses has no such option.</summary>
    public static bool TakeCallersBody(UpstreamRoute route) => route is UpstreamRoute.ChatCompletions or UpstreamRoute.Completions or UpstreamRoute.Embeddings;

    public static IEventSource Events(UpstreamRoute route, IEventSource events) =>
        route == UpstreamRoute.Responses ? new ResponsesUsageTap(events) : MessagesOverChat.Events(route, events);
}
