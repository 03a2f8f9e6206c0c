using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Batches;

/// <summary>The endpoints a batch may target, and the upstream route of each.</summary>
internal static class BatchEndpoints
{
    public static readonly IReadOnlyDictionary<string, UpstreamRoute> All = new Dictionary<string, UpstreamRoute>(StringComparer.Ordinal)
    {
        ["/v1/chat/completions"] = UpstreamRoute.ChatCompletions,
        ["/v1/completions"] = UpstreamRoute.Completions,
        ["/v1/embeddings"] = UpstreamRoute.Embeddings,
        ["/v1/responses"] = UpstreamRoute.Responses,
    };

    public static UpstreamRoute RouteOf(string endpoint) => All[endpoint];
}
