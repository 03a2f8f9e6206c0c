using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Api;

internal static class OpenAiApi
{
    /// <summary>The seed's prefix; <c>/v1</c> is mapped too, so an OpenAI SDK's base URL can be either.</summary>
    public const string MetisPrefix = "/resource_server/metis/api/v1";
    public const string OpenAiPrefix = "/v1";

    /// <summary>The completion routes' own parts: reading the body, and the adapter onto the request pipeline.</summary>
    public static IHostApplicationBuilder AddOpenAiApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RequestBodyReader>();
        builder.Services.AddSingleton<CompletionHandler>();
        return builder;
    }

    /// <summary>The OpenAI-compatible routes, and Anthropic's Messages API, under one prefix, all behind the gateway's token.</summary>
    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder routes, string prefix)
    {
        var group = routes.MapGroup(prefix).RequireAuthorization();
        group.MapPost("/chat/completions", (HttpContext context, CompletionHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, UpstreamRoute.ChatCompletions, cancellationToken));
        group.MapPost("/completions", (HttpContext context, CompletionHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, UpstreamRoute.Completions, cancellationToken));
        group.MapPost("/embeddings", (HttpContext context, CompletionHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, UpstreamRoute.Embeddings, cancellationToken));
        group.MapPost("/messages", (HttpContext context, CompletionHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, UpstreamRoute.Messages, cancellationToken));
        group.MapPost("/messages/count_tokens", MessageTokens.CountAsync);
        group.MapPost("/responses", (HttpContext context, CompletionHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, UpstreamRoute.Responses, cancellationToken));
        group.MapResponseFollowUps();
        group.MapGet("/models", ModelsHandler.List);
        group.MapGet("/models/{**id}", ModelsHandler.Get);
        return group;
    }
}
