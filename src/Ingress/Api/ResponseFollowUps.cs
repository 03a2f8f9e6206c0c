using System.Text;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// The Responses API's follow-ups of a stored response — fetch it (<c>GET /responses/{id}</c>),
/// delete it, list its input items, cancel it while it runs in the background — sent through the
/// request pipeline to the one endpoint that made it (the gateway remembers which, per caller: a
/// response of someone else's is 404, as one the gateway never saw). The query parameters OpenAI
/// documents for each are passed on; a stream of a stored response (<c>?stream=true</c>) is not
/// relayed and is refused.
/// </summary>
internal static class ResponseFollowUps
{
    private static readonly string[] RetrieveQuery = ["include", "include[]"];
    private static readonly string[] ItemsQuery = ["after", "before", "limit", "order", "include", "include[]"];

    public static void MapResponseFollowUps(this RouteGroupBuilder group)
    {
        group.MapGet("/responses/{responseId}", (HttpContext context, string responseId, CancellationToken cancellationToken) =>
            FollowUpAsync(context, UpstreamRoute.ResponseRetrieve, responseId, RetrieveQuery, cancellationToken));
        group.MapDelete("/responses/{responseId}", (HttpContext context, string responseId, CancellationToken cancellationToken) =>
            FollowUpAsync(context, UpstreamRoute.ResponseDelete, responseId, [], cancellationToken));
        group.MapGet("/responses/{responseId}/input_items", (HttpContext context, string responseId, CancellationToken cancellationToken) =>
            FollowUpAsync(context, UpstreamRoute.ResponseInputItems, responseId, ItemsQuery, cancellationToken));
        group.MapPost("/responses/{responseId}/cancel", (HttpContext context, string responseId, CancellationToken cancellationToken) =>
            FollowUpAsync(context, UpstreamRoute.ResponseCancel, responseId, [], cancellationToken));
    }

    private static async Task<IResult> FollowUpAsync(HttpContext context, UpstreamRoute route, string responseId, string[] passed, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var time = services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        if (!ResponseIds.IsValid(responseId))
        {
            return ApiErrors.ResponseNotFound(responseId.Length > 64 ? responseId[..64] : responseId, asPreviousResponse: false).ToResult();
        }

        if (context.Request.Query.TryGetValue("stream", out var stream) && stream.ToString() is "true" or "1")
        {
            return ApiErrors.InvalidValue("stream", "The gateway does not stream a stored response again; fetch it without 'stream'.").ToResult();
        }

        var caller = CallerIdentity.From(context.User, services.GetRequiredService<IOptions<JwtOptions>>().Value.GroupsClaim);
        var request = new GatewayRequest(
            context.RequestId(), caller, string.Empty, route, string.Empty, 0,
            TimeSpan.FromSeconds(services.GetRequiredService<IOptions<IngressOptions>>().Value.RequestTimeoutSeconds), RequestPolicy.Interactive, started)
        {
            ContinuesResponse = responseId,
            Target = responseId + Query(context.Request.Query, passed),
            RequestedAccount = FairShareHeaders.RequestedAccount(context.Request),
        };

        var sink = new JsonAnswerSink(context);
        await services.GetRequiredService<RequestPipeline>().RunAsync(request, sink, cancellationToken, services.GetRequiredService<IngressDrain>().Expired);
        return sink.Result;
    }

    /// <summary>The caller's query parameters that the upstream documents for this follow-up, encoded again; every other one is left out.</summary>
    private static string Query(IQueryCollection query, string[] passed)
    {
        var text = new StringBuilder();
        foreach (var name in passed)
        {
            foreach (var value in query.TryGetValue(name, out var values) ? values : default)
            {
                text.Append(text.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value ?? string.Empty));
            }
        }

        return text.ToString();
    }
}
