using System.Net;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Ingress;

/// <summary>Opaque tokens validated by introspection against a fake server on loopback, beside local JWTs.</summary>
public sealed class IntrospectionTests : IAsyncLifetime
{
    private const string Chat = """{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}""";
    private FakeIntrospectionServer _introspection = null!;
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _introspection = await FakeIntrospectionServer.StartAsync();
        _factory = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Auth:Introspection:Url"] = _introspection.Url,
            ["Auth:Introspection:ClientId"] = FakeIntrospectionServer.ClientId,
            ["Auth:Introspection:ClientSecret"] = FakeIntrospectionServer.ClientSecret,
            ["Auth:Introspection:RequireHttps"] = "false",
            ["Auth:Introspection:CacheSeconds"] = "1",
        });
        await _factory.CreateReadyClientAsync();
    }

    private Task<HttpResponseMessage> ChatAsync(string token) =>
        _factory.CreateClient(token).PostAsync("/v1/chat/completions", Json.Body(Chat));

    [Fact]
    public async Task ActiveToken_IsAcceptedAndWhoAmIShowsItsSubjectAndGroups()
    {
        _introspection.Answers["opaque-active"] = FakeIntrospectionServer.Active("bob@example.org", ["physics", "g2"]);

        var chat = await ChatAsync("opaque-active");
        var whoami = await Json.ReadAsync(await _factory.CreateClient("opaque-active").GetAsync("/resource_server/whoami"));

        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal("bob@example.org", whoami.GetProperty("sub").GetString());
        Assert.Equal(["physics", "g2"], whoami.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!));
        Assert.Equal("introspection", whoami.GetProperty("auth_method").GetString());
    }

    [Fact]
    public async Task InactiveOrUnknownToken_Is401()
    {
        _introspection.Answers["opaque-inactive"] = """{"active":false}""";

        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync("opaque-inactive")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync("never-issued")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ChatAsync("looks.like.jwt")).StatusCode);
    }

    [Fact]
    public async Task ExpiredToken_Is401EvenIfTheServerCallsItActive()
    {
        _introspection.Answers["opaque-expired"] = FakeIntrospectionServer.Active("bob", [], DateTimeOffset.UtcNow.AddMinutes(-1));

        var response = await ChatAsync("opaque-expired");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task ActiveAnswerWithoutASubject_Is401()
    {
        // Every such caller would share one identity for files, batches, limits and usage.
        _introspection.Answers["opaque-no-sub"] = """{"active":true,"sub":"","groups":["g1"]}""";
        _introspection.Answers["opaque-blank-sub"] = """{"active":true,"sub":"  "}""";
        _introspection.Answers["opaque-missing-sub"] = """{"active":true}""";

        foreach (var token in new[] { "opaque-no-sub", "opaque-blank-sub", "opaque-missing-sub" })
        {
            var response = await ChatAsync(token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("no subject", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithoutAConfiguredAudience_AnyAudienceIsAccepted()
    {
        _introspection.Answers["opaque-any-aud"] = FakeIntrospectionServer.Active("frank", [], audience: "\"another-resource-server\"");

        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("opaque-any-aud")).StatusCode);
    }

    [Fact]
    public async Task AnswersAreCached_AndARevokedTokenStopsWorkingWithinTheCacheBound()
    {
        _introspection.Answers["opaque-revoked"] = FakeIntrospectionServer.Active("carol", []);
        var before = _introspection.Calls;

        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("opaque-revoked")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("opaque-revoked")).StatusCode);
        Assert.Equal(before + 1, _introspection.Calls);

        _introspection.Answers["opaque-revoked"] = """{"active":false}""";

        await Eventually.Until(
            async () => (await ChatAsync("opaque-revoked")).StatusCode,
            status => status == HttpStatusCode.Unauthorized,
            timeout: TimeSpan.FromSeconds(5),
            what: "the revoked token refused once the cache entry expires");
    }

    [Fact]
    public async Task IntrospectionServerDown_Is503ThenTheNextRequestAsksAgain()
    {
        _introspection.Answers["opaque-while-down"] = FakeIntrospectionServer.Active("dave", []);
        _introspection.Down = true;

        var down = await ChatAsync("opaque-while-down");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("auth_unavailable", await Json.ErrorCodeAsync(down));
        Assert.NotNull(down.Headers.RetryAfter);

        _introspection.Down = false;

        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("opaque-while-down")).StatusCode);
    }

    [Fact]
    public async Task JwtFromTheConfiguredIssuer_IsValidatedLocallyWithoutIntrospection()
    {
        var before = _introspection.Calls;

        var response = await ChatAsync(TestTokens.Issue());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before, _introspection.Calls);
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneUncachedToken_ShareOneIntrospectionCall()
    {
        _introspection.Answers["opaque-burst"] = FakeIntrospectionServer.Active("erin", ["g1"]);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _introspection.Gate = gate.Task;
        var before = _introspection.Calls;
        var introspector = _factory.Services.GetRequiredService<TokenIntrospector>();

        // Each call registers its lookup before it first waits, so all ten are in flight together.
        var lookups = Enumerable.Range(0, 10).Select(_ => introspector.IntrospectAsync("opaque-burst", CancellationToken.None)).ToArray();
        gate.SetResult();
        var results = await Task.WhenAll(lookups);

        Assert.All(results, r => Assert.Equal("erin", r.Subject));
        Assert.Equal(before + 1, _introspection.Calls);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _introspection.DisposeAsync();
    }
}

/// <summary>With <c>Auth:Introspection:Audience</c> set, a token issued for another service of the same identity provider is refused.</summary>
public sealed class IntrospectionAudienceTests : IAsyncLifetime
{
    private const string Audience = "brokergateway-resource-server";
    private FakeIntrospectionServer _introspection = null!;
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _introspection = await FakeIntrospectionServer.StartAsync();
        _factory = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Auth:Introspection:Url"] = _introspection.Url,
            ["Auth:Introspection:ClientId"] = FakeIntrospectionServer.ClientId,
            ["Auth:Introspection:ClientSecret"] = FakeIntrospectionServer.ClientSecret,
            ["Auth:Introspection:RequireHttps"] = "false",
            ["Auth:Introspection:Audience"] = Audience,
        });
        await _factory.CreateReadyClientAsync();
    }

    [Theory]
    [InlineData("[\"" + Audience + "\", \"transfer\"]", "some-app", HttpStatusCode.OK)]
    [InlineData("\"" + Audience + "\"", "some-app", HttpStatusCode.OK)]
    [InlineData("[\"transfer\"]", Audience, HttpStatusCode.OK)]
    [InlineData("[\"transfer\"]", "some-app", HttpStatusCode.Unauthorized)]
    [InlineData("\"brokergateway-resource-server-2\"", "some-app", HttpStatusCode.Unauthorized)]
    [InlineData("null", "other", HttpStatusCode.Unauthorized)]
    public async Task TheAnswersAudienceOrClientId_MustNameTheGateway(string aud, string clientId, HttpStatusCode expected)
    {
        var token = "opaque-" + Guid.NewGuid().ToString("N");
        _introspection.Answers[token] = FakeIntrospectionServer.Active("grace", [], audience: aud, clientId: clientId);

        var response = await _factory.CreateClient(token).PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Contains("not issued for this gateway", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _introspection.DisposeAsync();
    }
}
