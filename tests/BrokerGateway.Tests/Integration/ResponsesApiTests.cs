using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// OpenAI's Responses API through the gateway, passed through to upstreams that have it: the npm
/// openai package against an OpenAI-compatible fake, an Azure resource's <c>/openai/responses</c>,
/// and an Anthropic entry, which has no Responses API, answering through the translation to Messages.
/// </summary>
public sealed class ResponsesApiTests : IAsyncLifetime, IDisposable
{
    private FakeUpstreamServer _openAi = null!;
    private FakeAzureServer _azure = null!;
    private FakeAnthropicServer _anthropic = null!;
    private TestManifest _manifest = null!;
    private RunningIngress _gateway = null!;

    public async Task InitializeAsync()
    {
        _openAi = await FakeUpstreamServer.StartAsync();
        _azure = await FakeAzureServer.StartNewAsync();
        _anthropic = await FakeAnthropicServer.StartNewAsync();
        var azure = (Dictionary<string, object>)TestManifest.Entry("azure", _azure.DeploymentUrl.ToString(), "azure-endpoint", ["azure-gpt"]);
        azure["api"] = "azure";
        azure["api_version"] = "2025-03-01-preview";
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", _anthropic.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5"]);
        claude["api"] = "anthropic";
        _manifest = new TestManifest([TestManifest.Entry("gpt", _openAi.BaseUrl.ToString(), "gpt-endpoint", ["gpt-4o"]), azure, claude]);
        _gateway = await GatewayHosts.StartIngressAsync(new Dictionary<string, string?>(TestTokens.Configuration)
        {
            ["METIS_STATUS_URL"] = _manifest.Path,
            ["METIS_API_TOKENS"] = """{"gpt-endpoint": "sk-openai-0123456789", "azure-endpoint": "azure-key-0123456789", "claude-endpoint": "sk-ant-0123456789"}""",
        });
        var client = _gateway.CreateClient(TestTokens.Issue());
        await Eventually.Until(
            async () => (await client.GetStringAsync("/v1/models")).Contains("azure-gpt", StringComparison.Ordinal),
            listed => listed,
            what: "the manifest loaded");

        // And every endpoint consumed: a request sent before its dispatcher is up gets a 503.
        await DistributedStack.UntilConsumingAsync(client, 3);
    }

    private async Task<JsonElement> RunAsync(string model, string which)
    {
        var printed = await NodeClient.RunAsync("responses.mjs", new Uri(_gateway.Address, "/v1").ToString(), TestTokens.Issue(), model, which);
        using var document = JsonDocument.Parse(printed);
        return document.RootElement.Clone();
    }

    [SkippableFact]
    public async Task AResponse_PassesThrough_AndItsUsageIsRecorded()
    {
        var result = await RunAsync("gpt-4o", "create");

        Assert.Equal((FakeResponses.ChatContent, "completed"), (result.GetProperty("text").GetString(), result.GetProperty("status").GetString()));
        var sent = Assert.Single(_openAi.Received);
        Assert.Equal("/v1/responses", sent.Path);
        Assert.Contains("\"instructions\":\"Be brief.\"", sent.Body, StringComparison.Ordinal);
        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath()).Where(r => r.Route == "responses").ToList()),
            rows => rows.Count == 1 && rows[0].Status == 200 && rows[0].TotalTokens == 16,
            what: "the usage row, from input_tokens and output_tokens");
    }

    [SkippableFact]
    public async Task AStreamedResponse_ArrivesAsTheResponsesApisNamedEvents_WithItsUsage()
    {
        var result = await RunAsync("gpt-4o", "stream");

        var types = result.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal("response.created", types[0]);
        Assert.Equal("response.completed", types[^1]);
        Assert.Equal(string.Concat(Enumerable.Range(0, 5).Select(i => new FakeStream().Content(i))), result.GetProperty("text").GetString());
        Assert.DoesNotContain("stream_options", Assert.Single(_openAi.Received).Body, StringComparison.Ordinal);
        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath()).Where(r => r.Route == "responses").ToList()),
            rows => rows.Count == 1 && rows[0].Streamed && rows[0].TotalTokens == FakeStream.PromptTokens + 5,
            what: "the stream's usage row, from response.completed");
    }

    [Fact]
    public async Task ToAzure_AResponseGoesToTheResourcesResponsesApi()
    {
        var client = _gateway.CreateClient(TestTokens.Issue());

        var response = await client.PostAsync("/v1/responses", Json.Body("""{"model":"azure-gpt","input":"hello"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(_azure.Received);
        Assert.Equal(("/openai/responses", "?api-version=2025-03-01-preview"), (sent.Path, sent.Query));

        // The resource's Responses API picks the deployment by the model field.
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal(FakeAzureServer.Deployment, body.RootElement.GetProperty("model").GetString());
    }

    [SkippableFact]
    public async Task ToAnAnthropicEntry_AResponseIsTranslated_PlainAndStreamed_WithTheNpmClient()
    {
        var plain = await RunAsync("claude-sonnet-4-5", "create");
        var streamed = await RunAsync("claude-sonnet-4-5", "stream");

        Assert.Equal((FakeAnthropicServer.Text, "completed"), (plain.GetProperty("text").GetString(), plain.GetProperty("status").GetString()));
        var types = streamed.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types.Take(4));
        Assert.Equal("response.completed", types[^1]);
        Assert.False(string.IsNullOrEmpty(streamed.GetProperty("text").GetString()));
        Assert.True(streamed.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
        Assert.Equal(2, _anthropic.Received.Count(r => r.Path == "/v1/messages"));
        var system = JsonDocument.Parse(_anthropic.Received[0].Body).RootElement.GetProperty("system");
        Assert.Contains("Be brief.", system.ValueKind == JsonValueKind.String ? system.GetString() : system.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_IsAClear400_AndReachesNoUpstream()
    {
        var client = _gateway.CreateClient(TestTokens.Issue());

        var noInput = await client.PostAsync("/v1/responses", Json.Body("""{"model":"gpt-4o"}"""));
        var builtInTool = await client.PostAsync("/v1/responses", Json.Body("""{"model":"claude-sonnet-4-5","input":"hi","tools":[{"type":"web_search"}]}"""));
        var badPrevious = await client.PostAsync("/v1/responses", Json.Body("""{"model":"gpt-4o","input":"hi","previous_response_id":"../etc"}"""));

        Assert.Equal((HttpStatusCode.BadRequest, "missing_required_parameter"), (noInput.StatusCode, await Json.ErrorCodeAsync(noInput)));
        Assert.Equal((HttpStatusCode.BadRequest, "unsupported_by_endpoint"), (builtInTool.StatusCode, await Json.ErrorCodeAsync(builtInTool)));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_value"), (badPrevious.StatusCode, await Json.ErrorCodeAsync(badPrevious)));
        Assert.Empty(_anthropic.Received);
        Assert.Empty(_openAi.Received);
    }

    private string UsagePath() =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerGateway.Ingress.Database.DatabaseOptions>>(_gateway.Services).Value.SqlitePath;

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _openAi.DisposeAsync();
        await _azure.DisposeAsync();
        await _anthropic.DisposeAsync();
    }

    public void Dispose() => _manifest.Dispose();
}
