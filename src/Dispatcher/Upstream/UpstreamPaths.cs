using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Dispatcher.Upstream;

internal static class UpstreamPaths
{
    /// <summary>The path under an entry's base URL (<c>{url}/chat/completions</c>, …) for a route.</summary>
    public static string For(UpstreamRoute route) => route switch
    {
        UpstreamRoute.ChatCompletions => "chat/completions",
        UpstreamRoute.Completions => "completions",
        UpstreamRoute.Embeddings => "embeddings",
        UpstreamRoute.Responses => "responses",
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, "unknown route"),
    };
}
