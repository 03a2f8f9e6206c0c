using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Usage;

internal static class RouteNames
{
    /// <summary>The route as usage records name it.</summary>
    public static string Of(UpstreamRoute route) => route switch
    {
        UpstreamRoute.ChatCompletions => "chat/completions",
        UpstreamRoute.Completions => "completions",
        UpstreamRoute.Embeddings => "embeddings",
        UpstreamRoute.Messages => "messages",
        UpstreamRoute.Responses => "responses",
        UpstreamRoute.ResponseRetrieve => "responses/get",
        UpstreamRoute.ResponseDelete => "responses/delete",
        UpstreamRoute.ResponseInputItems => "responses/input_items",
        UpstreamRoute.ResponseCancel => "responses/cancel",
        _ => route.ToString(),
    };
}
