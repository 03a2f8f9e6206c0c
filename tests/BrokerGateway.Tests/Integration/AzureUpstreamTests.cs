using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using OpenAI.Chat;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The OpenAI .NET SDK against a standalone gateway with two Azure OpenAI entries — the seed's
/// deployments URL plus <c>api_version</c>, and a v1 URL — on a fake that refuses what Azure refuses.
/// </summary>
public sealed class AzureUpstreamTests : IAsyncLifetime
{
    private const string Key = "azure-test-key-0123456789abcdef";
    private FakeAzureServer _azure = null!;
    private StandaloneIngressFactory _gateway = null!;

    public async Task InitializeAsync()
    {
        _azure = await FakeAzureServer.StartNewAsync();
        var deployment = (Dictionary<string, object>)TestManifest.Entry("azure", _azure.DeploymentUrl.ToString(), "azure-endpoint", ["gpt-4o"]);
        deployment["api"] = "azure";
        deployment["api_version"] = "2024-10-21";
        var v1 = (Dictionary<string, object>)TestManifest.Entry("azure-v1", _azure.V1Url.ToString(), "azure-v1-endpoint", ["gpt-4o-mini"]);
        v1["api"] = "azure";
        _gateway = await StandaloneIngressFactory.CreateAsync(
            new() { ["METIS_API_TOKENS"] = $$"""{"azure-endpoint": "{{Key}}", "azure-v1-endpoint": "{{Key}}"}""" },
            deployment,
            v1);
        await _gateway.CreateReadyClientAsync();
    }

    [Fact]
    public async Task ADeploymentsUrl_GetsTheKeyInApiKey_AndTheApiVersion()
    {
        ChatCompletion answer = await _gateway.ChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")]);

        Assert.Equal(FakeResponses.ChatContent, answer.Content[0].Text);
        var sent = Assert.Single(_azure.Received);
        Assert.Equal($"/openai/deployments/{FakeAzureServer.Deployment}/chat/completions", sent.Path);
        Assert.Equal("?api-version=2024-10-21", sent.Query);
        Assert.Equal(Key, sent.Header("api-key"));
        Assert.Null(sent.Header("authorization"));
    }

    [Fact]
    public async Task AV1Url_NeedsNoApiVersion_AndStreams()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in _gateway.ChatClient("gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("Stream")]))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
        }

        Assert.Equal(string.Concat(Enumerable.Range(0, 3).Select(i => new FakeStream(Chunks: 3).Content(i))), text.ToString());
        Assert.NotNull(usage);
        var sent = Assert.Single(_azure.Received);
        Assert.Equal(("/openai/v1/chat/completions", string.Empty), (sent.Path, sent.Query));
    }

    [Fact]
    public async Task Embeddings_GoToTheDeployment()
    {
        var client = _gateway.CreateClient(TestTokens.Issue());

        var response = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"gpt-4o","input":"hello"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/openai/deployments/{FakeAzureServer.Deployment}/embeddings", Assert.Single(_azure.Received).Path);
    }

    [Fact]
    public async Task AContentFilterRefusal_ReachesTheCallerInOpenAisErrorShape_WithAzuresVerdict()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => _gateway.ChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("something to be filtered")]));

        Assert.Equal(400, refused.Status);
        using var body = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(("content_filter", "invalid_request_error", "prompt"), (error.GetProperty("code").GetString(), error.GetProperty("type").GetString(), error.GetProperty("param").GetString()));
        Assert.True(error.GetProperty("innererror").GetProperty("content_filter_result").GetProperty("violence").GetProperty("filtered").GetBoolean());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _azure.DisposeAsync();
    }
}
