using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// Azure OpenAI on loopback, checking a request as the real service does: a deployments URL
/// (<c>/openai/deployments/{name}/chat/completions</c>, …) needs <c>?api-version=</c> (404
/// otherwise), a v1 URL (<c>/openai/v1/…</c>) does not; both need the key in <c>api-key</c> (a
/// bearer token gets Azure's gateway's 401 <c>{"statusCode", "message"}</c>). It answers OpenAI's
/// shapes, streams included; a user message containing "filtered" gets the content filter's 400.
/// </summary>
public sealed class FakeAzureServer : ProviderServer
{
    public const string Deployment = "gpt4o-deployment";

    /// <summary>A deployments URL for a manifest entry.</summary>
    public Uri DeploymentUrl => new(Root, $"/openai/deployments/{Deployment}");

    /// <summary>A v1 URL for a manifest entry.</summary>
    public Uri V1Url => new(Root, "/openai/v1");

    public static async Task<FakeAzureServer> StartNewAsync()
    {
        var server = new FakeAzureServer();
        await server.StartAsync();
        return server;
    }

    protected override async Task HandleAsync(HttpContext context, ProviderRequest request)
    {
        // The Responses API is the resource's, not a deployment's: /openai/responses, with an api-version.
        var deployments = request.Path.StartsWith($"/openai/deployments/{Deployment}/", StringComparison.Ordinal) || request.Path == "/openai/responses";
        var v1 = request.Path.StartsWith("/openai/v1/", StringComparison.Ordinal);
        if (!deployments && !v1 || deployments && !request.Query.Contains("api-version=", StringComparison.Ordinal))
        {
            await JsonAsync(context, 404, """{"error":{"code":"404","message":"Resource not found"}}""");
            return;
        }

        if (string.IsNullOrEmpty(request.Header("api-key")))
        {
            await JsonAsync(context, 401, """{"statusCode":401,"message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}""");
            return;
        }

        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        if (request.Body.Contains("filtered", StringComparison.Ordinal))
        {
            await JsonAsync(context, 400, """{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}}}""");
            return;
        }

        var model = root.TryGetProperty("model", out var m) ? m.GetString() : Deployment;
        if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            context.Response.ContentType = "text/event-stream";
            var fake = new FakeStream(Chunks: 3);
            foreach (var data in fake.ClientEvents(model!))
            {
                await EventAsync(context, null, data);
            }

            if (request.Body.Contains("include_usage", StringComparison.Ordinal))
            {
                await EventAsync(context, null, fake.UsageEvent(model!));
            }

            await EventAsync(context, null, "[DONE]");
            return;
        }

        await JsonAsync(context, 200, FakeResponses.For(request.Path, model));
    }
}
