using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;

namespace BrokerGateway.Dispatcher.Upstream;

internal static class UpstreamPaths
{
    /// <summary>
    /// The path under an entry's base URL (<c>{url}/chat/completions</c>, …) for a route; a
    /// follow-up of a stored response names it by <paramref name="target"/> (its id, and for a GET
    /// the caller's query).
    /// </summary>
    public static string For(UpstreamRoute route, string? target = null) => route switch
    {
        UpstreamRoute.ChatCompletions => "chat/completions",
        UpstreamRoute.Completions => "completions",
        UpstreamRoute.Embeddings => "embeddings",
        UpstreamRoute.Responses => "responses",
        UpstreamRoute.ResponseRetrieve => $"responses/{Id(target)}{Query(target)}",
        UpstreamRoute.ResponseDelete => $"responses/{Id(target)}",
        UpstreamRoute.ResponseInputItems => $"responses/{Id(target)}/input_items{Query(target)}",
        UpstreamRoute.ResponseCancel => $"responses/{Id(target)}/cancel",
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, "unknown route"),
    };

    /// <summary>How a route is called: a POST, but for fetching and deleting a stored response.</summary>
    public static HttpMethod Method(UpstreamRoute route) => route switch
    {
        UpstreamRoute.ResponseRetrieve or UpstreamRoute.ResponseInputItems => HttpMethod.Get,
        UpstreamRoute.ResponseDelete => HttpMethod.Delete,
        _ => HttpMethod.Post,
    };

    /// <summary>The response's id: letters, digits, '_' and '-' only (the ingress checked it; a path is never built from anything else).</summary>
    private static string Id(string? target)
    {
        var id = target?.Split('?', 2)[0];
        return ResponseIds.IsValid(id)
            ? id!
            : throw new DialectRefusal("The response id must be letters, digits, '_' and '-' only.");
    }

    private static string Query(string? target) => target?.IndexOf('?') is int at and >= 0 ? target[at..] : string.Empty;
}
