using System.Net;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress;

/// <summary>The ingress through WebApplicationFactory, in its standalone default.</summary>
public sealed class IngressApiTests : IAsyncLifetime
{
    private const string Chat = """{"model":"mock-gpt","messages":[{"role":"user","content":"Hello from FIRST!"}],"stream":false}""";
    private StandaloneIngressFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = await StandaloneIngressFactory.CreateAsync(new() { ["Gateway:MaxRequestBodyBytes"] = "4096" });
        _client = await _factory.CreateReadyClientAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/resource_server/metis/api/v1/chat/completions")]
    public async Task ChatCompletion_EitherPrefix_MockEchoesTheLastUserMessage(string path)
    {
        var response = await _client.PostAsync(path, Json.Body(Chat));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json.ReadAsync(response);
        Assert.Equal("Hello from FIRST!", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.Equal("mock-echo", response.Headers.GetValues("x-gateway-endpoint").Single());
        Assert.NotEmpty(response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task ChatCompletion_KeyedUpstream_GetsTheBodyUnchangedAndTheKey()
    {
        const string body = """{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"vendor_extension":{"keep":true},"n":1}""";

        var response = await _client.PostAsync("/v1/chat/completions", Json.Body(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_factory.Upstream.Received);
        Assert.Equal(body, received.Body);
        Assert.Equal($"Bearer {StandaloneIngressFactory.UpstreamKey}", received.Authorization);
        Assert.Equal("fake-endpoint", response.Headers.GetValues("x-gateway-endpoint").Single());
    }

    [Fact]
    public async Task Embeddings_Mock_ReturnsAVector()
    {
        var response = await _client.PostAsync("/v1/embeddings", Json.Body("""{"model":"mock-embedding","input":"abc"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(64, (await Json.ReadAsync(response)).GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public async Task Completions_Mock_EchoesThePrompt()
    {
        var response = await _client.PostAsync("/v1/completions", Json.Body("""{"model":"mock-gpt","prompt":"Say this"}"""));

        Assert.Equal("Say this", (await Json.ReadAsync(response)).GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Models_ListsTheExpertsOfLiveEntriesInOpenAiShape()
    {
        var response = await _client.GetAsync("/v1/models");

        var body = await Json.ReadAsync(response);
        Assert.Equal("list", body.GetProperty("object").GetString());
        var ids = body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray();
        Assert.Equal(["fake-model", "mock-embedding", "mock-gpt"], ids);
        Assert.All(body.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task UnknownModel_Is404NamingAvailableModels()
    {
        var response = await _client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"gpt-5","messages":[{"role":"user","content":"x"}]}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task OfflineModel_Is503ModelOffline()
    {
        var response = await _client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"offline-model","messages":[{"role":"user","content":"x"}]}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("model_offline", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task StreamedChat_FromTheMockProvider_IsServerSentEventsEndingWithDone()
    {
        var response = await _client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"echo these words"}],"stream":true}"""));
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: [DONE]", events[^1]);
        var content = string.Concat(events[..^1].Select(e => System.Text.Json.JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Select(chunk => chunk.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : ""));
        Assert.Equal("echo these words", content);
        Assert.DoesNotContain("\"usage\":{", text);
    }

    [Fact]
    public async Task StreamedEmbeddings_AreRefusedWithAClear400()
    {
        var response = await _client.PostAsync("/v1/embeddings", Json.Body("""{"model":"mock-embedding","input":"x","stream":true}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("unsupported_parameter", await Json.ErrorCodeAsync(response));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""")]
    [InlineData("""{"model":["a"],"messages":[]}""")]
    [InlineData("""{"model":"mock-gpt","messages":{}}""")]
    public async Task BadBody_Is400InOpenAiShape(string body)
    {
        var response = await _client.PostAsync("/v1/chat/completions", Json.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        var big = $$"""{"model":"mock-gpt","messages":[{"role":"user","content":"{{new string('a', 5000)}}"}]}""";

        var response = await _client.PostAsync("/v1/chat/completions", Json.Body(big));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task NoToken_Is401WithWwwAuthenticate()
    {
        var response = await _factory.CreateClient(token: null).PostAsync("/v1/chat/completions", Json.Body(Chat));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.NotEmpty(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("invalid_api_key", await Json.ErrorCodeAsync(response));
    }

    public static TheoryData<string, string> BadTokens()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var otherKey = new JwtOptions { SigningKey = new string('x', 48), Issuer = TestTokens.Issuer, Audience = TestTokens.Audience };
        return new()
        {
            { TestTokens.Issue(time: past), "expired" },
            { TestTokens.Issue(options: otherKey), "signature" },
            { TestTokens.Issue(options: new JwtOptions { SigningKey = TestTokens.SigningKey, Issuer = TestTokens.Issuer, Audience = "someone-else" }), "audience" },
            { TestTokens.Issue(options: new JwtOptions { SigningKey = TestTokens.SigningKey, Issuer = "evil", Audience = TestTokens.Audience }), "issuer" },
            { "not.a.jwt", "malformed" },
            {
                new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
                {
                    Issuer = TestTokens.Issuer,
                    Audience = TestTokens.Audience,
                    Expires = DateTime.UtcNow.AddMinutes(5),
                    SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(TestTokens.SigningKey)), "HS256"),
                }),
                "no subject"
            },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task InvalidToken_Is401SayingWhyWithoutEchoingIt(string token, string why)
    {
        var response = await _factory.CreateClient(token).PostAsync("/v1/chat/completions", Json.Body(Chat));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public async Task TokenInQueryString_IsRefused()
    {
        var response = await _factory.CreateClient(token: null).PostAsync($"/v1/chat/completions?access_token={TestTokens.Issue()}", Json.Body(Chat));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Is404Json()
    {
        var response = await _client.GetAsync("/v1/not-a-route");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", await Json.ErrorCodeAsync(response));
        Assert.NotEmpty(response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task WrongMethod_Is405Json()
    {
        var response = await _client.GetAsync("/v1/chat/completions");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("method_not_allowed", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Endpoints_Standalone_ListsEveryEntryWithUnknownQueueDepthAndNeedsAToken()
    {
        var response = await _client.GetAsync("/v1/endpoints");
        var entries = (await Json.ReadAsync(response)).GetProperty("data").EnumerateArray().ToArray();

        Assert.Equal(["mock-echo", "fake-endpoint", "offline-endpoint"], entries.Select(e => e.GetProperty("endpoint_id").GetString()!));
        Assert.Equal("Offline", entries[2].GetProperty("status").GetString());
        Assert.True(entries[0].GetProperty("dispatcher_consuming").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, entries[0].GetProperty("queue_depth").ValueKind);
        Assert.DoesNotContain(StandaloneIngressFactory.UpstreamKey, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.CreateClient(token: null).GetAsync("/resource_server/list-endpoints")).StatusCode);
    }

    [Fact]
    public async Task Health_NeedsNoToken()
    {
        var response = await _factory.CreateClient(token: null).GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("loaded", (await Json.ReadAsync(response)).GetProperty("manifest").GetString());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
