using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Integration;

/// <summary>Watcher, dispatcher and ingress as separate hosts over a real RabbitMQ, with a fake upstream on loopback.</summary>
public class DistributedGatewayTests
{
    /// <summary>Whichever notices the deadline first — the ingress or the dispatcher — the caller gets a 504.</summary>
    private static readonly string[] TimeoutCodes = ["gateway_timeout", "upstream_timeout"];

    private static StringContent Chat(string model, string extra = "") =>
        Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello"}]{{extra}}}""");

    [SkippableFact]
    public async Task ChatCompletion_OverRabbitMq_ReachesTheUpstreamWithItsKeyAndTheBodyUnchanged()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");
        const string body = """{"model":"fake-model","messages":[{"role":"user","content":"héllo ✓"}],"top_k":7,"extra_body":{"guided_json":{"type":"object"}}}""";

        var response = await client.PostAsync("/resource_server/metis/api/v1/chat/completions", Json.Body(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeResponses.ChatContent, (await Json.ReadAsync(response)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("fake-endpoint", response.Headers.GetValues("x-gateway-endpoint").Single());
        var received = Assert.Single(stack.Upstream.Received);
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Equal($"Bearer {DistributedStack.UpstreamKey}", received.Authorization);
        Assert.Equal(body, received.Body);
    }

    [SkippableFact]
    public async Task CompletionsEmbeddingsAndModels_OverRabbitMq_Work()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var completion = await client.PostAsync("/v1/completions", Json.Body("""{"model":"fake-model","prompt":"x"}"""));
        var embedding = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"fake-model","input":"x"}"""));
        var models = await Json.ReadAsync(await client.GetAsync("/v1/models"));

        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal(HttpStatusCode.OK, embedding.StatusCode);
        Assert.Equal(["/v1/completions", "/v1/embeddings"], stack.Upstream.Received.Select(r => r.Path));
        Assert.Equal(
            ["dead-model", "fake-model", "keyless-model", "mock-gpt"],
            models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
    }

    [SkippableTheory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task UpstreamServerError_Is502InOpenAiShape(int status)
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Chat("fake-model", $$""","fake":{"status":{{status}}}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", await Json.ErrorCodeAsync(response));
    }

    [SkippableFact]
    public async Task UpstreamRefusal_IsRelayedWithTheUpstreamsStatusAndError()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Chat("fake-model", ""","fake":{"status":422}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("fake_422", await Json.ErrorCodeAsync(response));
    }

    [SkippableFact]
    public async Task UpstreamUnreachable_Is502()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("dead-model");

        var response = await client.PostAsync("/v1/chat/completions", Chat("dead-model"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", await Json.ErrorCodeAsync(response));
    }

    [SkippableFact]
    public async Task UpstreamSlowerThanTheDeadline_Is504AndTheUpstreamCallIsAborted()
    {
        await using var stack = await DistributedStack.StartAsync(ingress: new() { ["Gateway:RequestTimeoutSeconds"] = "2" });
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Chat("fake-model", ""","fake":{"delay_ms":30000}"""));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains(await Json.ErrorCodeAsync(response), TimeoutCodes);
        await stack.Upstream.WaitForAsync(r => r.Aborted, TimeSpan.FromSeconds(15));
    }

    [SkippableFact]
    public async Task EndpointWithoutKey_Is503AndNoUnauthenticatedCallIsSent()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Chat("keyless-model"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("no_dispatcher", await Json.ErrorCodeAsync(response));
        Assert.Empty(stack.Upstream.Received);
    }

    [SkippableFact]
    public async Task DispatcherEndpoints_LimitsWhatTheDispatcherServes()
    {
        await using var stack = await DistributedStack.StartAsync(dispatcher: new() { ["DISPATCHER_ENDPOINTS"] = "fake-endpoint" });
        var client = await stack.ReadyClientAsync("fake-model");

        var mock = await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        var fake = await client.PostAsync("/v1/chat/completions", Chat("fake-model"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, mock.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fake.StatusCode);
    }

    [SkippableFact]
    public async Task IngressStartingAfterTheWatcher_AsksForTheManifestAndIsNotBlind()
    {
        await using var stack = await DistributedStack.CreateAsync();
        await stack.StartWatcherAsync(new() { ["METIS_POLL_SECONDS"] = "3600" });
        await stack.StartDispatcherAsync();
        var dispatcherManifest = stack.Dispatcher!.Services.GetRequiredService<ManifestStore>();
        await dispatcherManifest.Loaded.WaitAsync(TimeSpan.FromSeconds(20));

        await stack.StartIngressAsync();
        var ingressManifest = stack.Ingress!.Services.GetRequiredService<ManifestStore>();
        await ingressManifest.Loaded.WaitAsync(TimeSpan.FromSeconds(20));
        var client = await stack.ReadyClientAsync("fake-model");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat("fake-model"))).StatusCode);
    }

    [SkippableFact]
    public async Task ManifestChange_TakesEffectWithoutRestart()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        stack.Manifest.Write(
            TestManifest.Entry("fake", stack.Upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model", "fresh-model"]),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"], status: "Maintenance"));

        await Eventually.Until(
            async () => (int)(await client.PostAsync("/v1/chat/completions", Chat("fresh-model"))).StatusCode,
            status => status == 200,
            what: "the new model is routed");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"))).StatusCode);
    }

    [SkippableFact]
    public async Task ManifestUnreachableAtStart_ServicesRunAndServeOnceItArrives()
    {
        await using var stack = await DistributedStack.CreateAsync();
        var missing = Path.Combine(Path.GetDirectoryName(stack.Manifest.Path)!, "later.json");
        await stack.StartWatcherAsync(new() { ["METIS_STATUS_URL"] = missing });
        await stack.StartDispatcherAsync();
        await stack.StartIngressAsync();
        var client = stack.Client();

        var before = await client.PostAsync("/v1/chat/completions", Chat("fake-model"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("manifest_unavailable", await Json.ErrorCodeAsync(before));

        File.Copy(stack.Manifest.Path, missing);

        await Eventually.Until(
            async () => (int)(await client.PostAsync("/v1/chat/completions", Chat("fake-model"))).StatusCode,
            status => status == 200,
            what: "served after the manifest appeared");
    }

    [SkippableFact]
    public async Task DispatcherStopping_TheIngressSaysNoDispatcherServesTheModel()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        await stack.Dispatcher!.StopAsync();

        await Eventually.Until(
            async () => (int)(await client.PostAsync("/v1/chat/completions", Chat("fake-model"))).StatusCode,
            status => status == 503,
            what: "the ingress learns the dispatcher is gone");
        Assert.Equal("no_dispatcher", await Json.ErrorCodeAsync(await client.PostAsync("/v1/chat/completions", Chat("fake-model"))));
    }

    [SkippableFact]
    public async Task BadInput_OverRabbitMq_GetsTheSameOpenAiErrorsAndNothingReachesTheUpstream()
    {
        await using var stack = await DistributedStack.StartAsync(ingress: new() { ["Gateway:MaxRequestBodyBytes"] = "2048" });
        var client = await stack.ReadyClientAsync("fake-model");
        var anonymous = stack.Ingress!.CreateClient();

        var malformed = await client.PostAsync("/v1/chat/completions", Json.Body("{oops"));
        var missing = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"fake-model"}"""));
        var tooLarge = await client.PostAsync("/v1/chat/completions", Chat("fake-model", $$""","pad":"{{new string('x', 4096)}}" """));
        var noToken = await anonymous.PostAsync("/v1/chat/completions", Chat("fake-model"));
        var wrongMethod = await client.DeleteAsync("/v1/models");

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json"), (malformed.StatusCode, await Json.ErrorCodeAsync(malformed)));
        Assert.Equal((HttpStatusCode.BadRequest, "missing_required_parameter"), (missing.StatusCode, await Json.ErrorCodeAsync(missing)));
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "request_too_large"), (tooLarge.StatusCode, await Json.ErrorCodeAsync(tooLarge)));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_api_key"), (noToken.StatusCode, await Json.ErrorCodeAsync(noToken)));
        Assert.Equal((HttpStatusCode.MethodNotAllowed, "method_not_allowed"), (wrongMethod.StatusCode, await Json.ErrorCodeAsync(wrongMethod)));
        Assert.Empty(stack.Upstream.Received);
    }
}
