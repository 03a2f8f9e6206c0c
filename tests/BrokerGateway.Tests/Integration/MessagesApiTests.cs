using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// Anthropic's npm SDK, as a caller of the gateway's Messages API (<c>/v1/messages</c>), changing
/// nothing but the base URL: to an Anthropic entry (passed through natively, on a fake that
/// refuses what Anthropic refuses) and to an OpenAI-compatible one (translated to a chat
/// completion and back), streaming and tool use included.
/// </summary>
public sealed class MessagesApiTests : IAsyncLifetime, IDisposable
{
    private const string AnthropicKey = "sk-ant-upstream-0123456789";
    private FakeAnthropicServer _anthropic = null!;
    private FakeUpstreamServer _openAi = null!;
    private TestManifest _manifest = null!;
    private RunningIngress _gateway = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeAnthropicServer.StartNewAsync();
        _openAi = await FakeUpstreamServer.StartAsync();
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", _anthropic.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5"]);
        claude["api"] = "anthropic";
        _manifest = new TestManifest(
        [
            claude,
            TestManifest.Entry("gpt", _openAi.BaseUrl.ToString(), "gpt-endpoint", ["gpt-4o"]),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]),
        ]);
        _gateway = await GatewayHosts.StartIngressAsync(new Dictionary<string, string?>(TestTokens.Configuration)
        {
            ["METIS_STATUS_URL"] = _manifest.Path,
            ["METIS_API_TOKENS"] = $$"""{"claude-endpoint": "{{AnthropicKey}}", "gpt-endpoint": "sk-openai-upstream-0123456789"}""",
        });
        var client = _gateway.CreateClient(TestTokens.Issue());
        await Eventually.Until(
            async () => (await client.GetStringAsync("/v1/models")).Contains("claude-sonnet-4-5", StringComparison.Ordinal),
            listed => listed,
            what: "the manifest loaded");

        // And every endpoint consumed: a request sent before its dispatcher is up gets a 503.
        await DistributedStack.UntilConsumingAsync(client, 3);
    }

    private async Task<JsonElement> RunAsync(string model, string which)
    {
        var printed = await NodeClient.RunAsync("messages.mjs", _gateway.Address.ToString().TrimEnd('/'), TestTokens.Issue(), model, which);
        using var document = JsonDocument.Parse(printed);
        return document.RootElement.Clone();
    }

    [SkippableFact]
    public async Task ToAnAnthropicEntry_AMessageGoesThroughNatively_WithTheUpstreamsKeyNotTheCallers()
    {
        var result = await RunAsync("claude-sonnet-4-5", "create");

        Assert.Equal((FakeAnthropicServer.Text, "end_turn", "assistant", "message"), (result.GetProperty("text").GetString(), result.GetProperty("stop").GetString(), result.GetProperty("role").GetString(), result.GetProperty("type").GetString()));
        Assert.Equal(FakeAnthropicServer.CacheReadTokens, result.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32());
        var sent = Assert.Single(_anthropic.Received);
        Assert.Equal(AnthropicKey, sent.Header("x-api-key"));
        Assert.Null(sent.Header("authorization"));
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", sent.Header("anthropic-version"));
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("You are terse.", body.RootElement.GetProperty("system").GetString());
        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath()).Where(r => r.EndpointId == "claude-endpoint").ToList()),
            rows => rows.Count == 1 && rows[0].Route == "messages" && rows[0].TotalTokens == 24,
            what: "a usage row with Anthropic's counts, cached tokens included");
    }

    [SkippableFact]
    public async Task ToAnOpenAiEntry_AMessageIsTranslatedToAChatCompletionAndBack()
    {
        var result = await RunAsync("gpt-4o", "create");

        Assert.Equal((FakeResponses.ChatContent, "end_turn"), (result.GetProperty("text").GetString(), result.GetProperty("stop").GetString()));
        Assert.Equal((9, 7), (result.GetProperty("usage").GetProperty("input_tokens").GetInt32(), result.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        var sent = Assert.Single(_openAi.Received);
        Assert.Equal("/v1/chat/completions", sent.Path);
        using var body = JsonDocument.Parse(sent.Body);
        var messages = body.RootElement.GetProperty("messages");
        Assert.Equal(("system", "You are terse."), (messages[0].GetProperty("role").GetString(), messages[0].GetProperty("content").GetString()));
        Assert.Equal(64, body.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [SkippableTheory]
    [InlineData("claude-sonnet-4-5")]
    [InlineData("gpt-4o")]
    public async Task AStream_ArrivesAsAnthropicsEvents_WhicheverTheUpstream(string model)
    {
        var result = await RunAsync(model, "stream");

        var types = result.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal("message_start", types[0]);
        Assert.Equal("message_stop", types[^1]);
        Assert.Contains("content_block_delta", types);
        Assert.Equal("message_delta", types[^2]);
        Assert.Equal("end_turn", result.GetProperty("stop").GetString());
        Assert.True(result.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
        var expected = model == "gpt-4o" ? string.Concat(Enumerable.Range(0, 5).Select(i => new FakeStream().Content(i))) : FakeAnthropicServer.Text;
        Assert.Equal(expected, result.GetProperty("text").GetString());
        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath()).Where(r => r.Route == "messages").ToList()),
            rows => rows.Count == 1 && rows[0].Streamed && rows[0].Status == 200 && rows[0].TotalTokens > 0,
            what: "the stream's usage row");
    }

    [SkippableFact]
    public async Task ToolUse_RoundTripsThroughTheGateway()
    {
        var result = await RunAsync("claude-sonnet-4-5", "tools");

        Assert.Equal("tool_use", result.GetProperty("stop").GetString());
        Assert.Equal(("toolu_01", "get_weather", "Paris"), (result.GetProperty("call").GetProperty("id").GetString(), result.GetProperty("call").GetProperty("name").GetString(), result.GetProperty("call").GetProperty("input").GetProperty("city").GetString()));

        // The fake refuses a tool_result that answers no tool_use of the turn before, as Anthropic does.
        Assert.Equal(FakeAnthropicServer.Text, result.GetProperty("answer").GetString());
    }

    [SkippableFact]
    public async Task CountTokens_IsEstimated_AndBadRequestsGetAnthropicsErrorShape()
    {
        var count = await RunAsync("gpt-4o", "count");
        var error = await RunAsync("claude-sonnet-4-5", "error");

        Assert.True(count.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal((400, "invalid_request_error"), (error.GetProperty("status").GetInt32(), error.GetProperty("type").GetString()));
        Assert.Contains("max_tokens", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_anthropic.Received);
    }

    [Fact]
    public async Task WithoutAToken_TheRefusalIsInAnthropicsShape_AndTheMockAnswersMessagesToo()
    {
        using var anonymous = _gateway.CreateClient();
        var refused = await anonymous.PostAsync("/v1/messages", Json.Body("""{"model":"mock-gpt","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"""));
        using var client = _gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", TestTokens.Issue());
        var mocked = await client.PostAsync("/resource_server/metis/api/v1/messages", Json.Body("""{"model":"mock-gpt","max_tokens":10,"messages":[{"role":"user","content":"echo this"}]}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(("error", "authentication_error"), (error.RootElement.GetProperty("type").GetString(), error.RootElement.GetProperty("error").GetProperty("type").GetString()));
        Assert.Equal(HttpStatusCode.OK, mocked.StatusCode);
        using var message = JsonDocument.Parse(await mocked.Content.ReadAsStringAsync());
        Assert.Equal("message", message.RootElement.GetProperty("type").GetString());
        Assert.Contains("echo this", message.RootElement.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCallersAnthropicVersionAndBetaFlags_ReachAnAnthropicUpstream()
    {
        using var client = _gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", TestTokens.Issue());
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-01-01");
        client.DefaultRequestHeaders.Add("anthropic-beta", "token-counting-2024-11-01");

        var response = await client.PostAsync("/v1/messages", Json.Body("""{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(_anthropic.Received);
        Assert.Equal(("2023-01-01", "token-counting-2024-11-01"), (sent.Header("anthropic-version"), sent.Header("anthropic-beta")));
    }

    [Fact]
    public async Task AStringThatIsNoValidUnicode_IsA400InAnthropicsShape_AndNothingIsSent()
    {
        using var client = _gateway.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", TestTokens.Issue());

        var response = await client.PostAsync("/v1/messages", Json.Body("""{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"\ud800"}]}"""));
        var counted = await client.PostAsync("/v1/messages/count_tokens", Json.Body("""{"model":"gpt-4o","messages":[{"role":"user","content":"\ud800"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Empty(_openAi.Received);
    }

    private string UsagePath() =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerGateway.Ingress.Database.DatabaseOptions>>(_gateway.Services).Value.SqlitePath;

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _anthropic.DisposeAsync();
        await _openAi.DisposeAsync();
    }

    public void Dispose() => _manifest.Dispose();
}
