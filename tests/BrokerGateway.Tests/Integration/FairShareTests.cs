using System.Net;
using System.Text.Json;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// Fair share over a real RabbitMQ and standalone: an endpoint that takes two requests at once, a
/// backlog of one account's requests, and another account's requests that arrive behind it and are
/// served first; nothing waits while there is room; the account a caller may charge; the standing
/// shared by two ingress replicas through Redis.
/// </summary>
public class FairShareTests
{
    private const string Model = "fair-model";
    private const string EndpointId = "fair-endpoint";
    private const string Key = "sk-fair-share-key-0123456789";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["FairShare:Enabled"] = "true",
        ["FairShare:Shares:proj-a"] = "1",
        ["FairShare:Shares:proj-b"] = "1",
        ["METIS_API_TOKENS"] = $$"""{"{{EndpointId}}": "{{Key}}"}""",
    };

    private static StringContent Body(string tag, int delayMs) =>
        Json.Body($$$"""{"model":"{{{Model}}}","messages":[{"role":"user","content":"{{{tag}}}"}],"fake":{"delay_ms":{{{delayMs}}}}}""");

    private static object FairEntry(FakeUpstreamServer upstream, int maxConcurrency) =>
        TestManifest.Entry("fair", upstream.BaseUrl.ToString(), EndpointId, [Model], maxConcurrency: maxConcurrency);

    [SkippableFact]
    public async Task OverRabbitMq_UnderABacklog_TheAccountBelowItsShareIsServedBeforeTheOneThatFlooded()
    {
        var (stack, ann, bea) = await StartOverRabbitMqAsync(maxConcurrency: 2);
        await using var _ = stack;

        await FloodThenLateComerAsync(stack.Upstream, ann, bea, untilQueued: waiting => Eventually.Until(
            async () => QueueDepth(await Json.ReadAsync(await ann.GetAsync("/v1/endpoints"))),
            depth => depth >= waiting,
            what: $"{waiting} of proj-a's requests waiting on the endpoint's queue"));
    }

    [Fact]
    public async Task Standalone_UnderABacklog_TheAccountBelowItsShareIsServedBeforeTheOneThatFlooded()
    {
        await using var factory = await StandaloneIngressFactory.CreateAsync(new(Settings));
        factory.Manifest.Write(FairEntry(factory.Upstream, 2), TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        var probe = factory.CreateClient(TestTokens.Issue());
        await Eventually.Until(
            async () => (await probe.PostAsync("/v1/chat/completions", Body("ready?", 0))).StatusCode,
            s => s == HttpStatusCode.OK,
            what: "the fair endpoint routed");
        var ann = factory.CreateClient(TestTokens.Issue("ann", groups: ["proj-a"]));
        var bea = factory.CreateClient(TestTokens.Issue("bea", groups: ["proj-b"]));
        var gates = factory.Services.GetRequiredService<PriorityGates>();

        await FloodThenLateComerAsync(factory.Upstream, ann, bea, untilQueued: waiting => Eventually.Until(
            () => gates.Find(new Uri("loopback://localhost/bg-endpoint-" + EndpointId))?.Waiting >= waiting,
            what: $"{waiting} of proj-a's requests waiting for the endpoint"));
    }

    /// <summary>
    /// proj-a uses the endpoint, then floods it with 20 slow requests (two run, the rest wait);
    /// proj-b, which has used nothing, sends 3 behind them. With first come first served they would
    /// reach the upstream last; fair share lets them in as soon as a call is free.
    /// </summary>
    private static async Task FloodThenLateComerAsync(FakeUpstreamServer upstream, HttpClient ann, HttpClient bea, Func<int, Task> untilQueued)
    {
        await UseTheEndpointAsync(upstream, ann);

        var flood = Enumerable.Range(0, 20).Select(i => ann.PostAsync("/v1/chat/completions", Body($"A{i}", 500))).ToArray();
        await untilQueued(10);
        var late = Enumerable.Range(0, 3).Select(i => bea.PostAsync("/v1/chat/completions", Body($"B{i}", 500))).ToArray();
        var answers = await Task.WhenAll(flood.Concat(late));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(answers, a => Assert.True(a.Headers.Contains("x-gateway-queue-ms")));
        var order = upstream.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("messages")[0].GetProperty("content").GetString()!).ToList();
        Assert.Equal(23, order.Count);
        var lastLate = order.FindLastIndex(tag => tag.StartsWith('B'));
        var floodAfter = order.Skip(lastLate + 1).Count(tag => tag.StartsWith('A'));
        Assert.True(floodAfter >= 6, $"proj-b's last request reached the upstream with only {floodAfter} of proj-a's behind it: {string.Join(' ', order)}");
        Assert.True(upstream.PeakConcurrency <= 2, $"the upstream had {upstream.PeakConcurrency} requests at once");
    }

    [SkippableFact]
    public async Task OverRabbitMq_WithRoomToSpare_NobodyWaitsForFairness()
    {
        var (stack, ann, bea) = await StartOverRabbitMqAsync(maxConcurrency: 8);
        await using var _ = stack;
        await UseTheEndpointAsync(stack.Upstream, ann);

        // Six requests of two accounts with different standing, for an endpoint that takes eight at once: all run together.
        var calls = Enumerable.Range(0, 4).Select(i => ann.PostAsync("/v1/chat/completions", Body($"A{i}", 1500)))
            .Concat(Enumerable.Range(0, 2).Select(i => bea.PostAsync("/v1/chat/completions", Body($"B{i}", 1500))))
            .ToArray();
        var answers = await Task.WhenAll(calls);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(6, stack.Upstream.PeakConcurrency);
    }

    [Fact]
    public async Task Standalone_TheAccountHeader_ChargesAGroupOfTheCallers_RefusesAnother_AndTheUsageRowSaysWhich()
    {
        await using var factory = await StandaloneIngressFactory.CreateAsync(new(Settings) { ["Auth:AdminGroups"] = "admins" });
        await factory.CreateReadyClientAsync();
        var dual = factory.CreateClient(TestTokens.Issue("dana", groups: ["proj-x", "proj-b"]));
        const string Mock = """{"model":"mock-gpt","messages":[{"role":"user","content":"hello"}]}""";

        var byDefault = await dual.PostAsync("/v1/chat/completions", Json.Body(Mock));
        using var named = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Mock) };
        named.Headers.Add("x-gateway-account", "proj-x");
        var chosen = await dual.SendAsync(named);
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Mock) };
        foreign.Headers.Add("x-gateway-account", "proj-a");
        var refused = await dual.SendAsync(foreign);

        Assert.Equal(HttpStatusCode.OK, byDefault.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("account_not_allowed", await Json.ErrorCodeAsync(refused));
        var rows = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(factory.UsagePath).Where(r => r.User == "dana").ToList()),
            r => r.Count == 3,
            what: "dana's three usage rows");
        Assert.Equal(["proj-b", "proj-x", null], rows.Select(r => r.Account));
        Assert.Equal(403, rows[2].Status);

        // Its standing: proj-b (a share of its own) and proj-x (the default), and no one else's.
        var mine = await Eventually.Until(
            async () => await Json.ReadAsync(await dual.GetAsync("/v1/fairshare")),
            report => report.GetProperty("data").EnumerateArray().All(a => a.GetProperty("usage").GetDouble() > 0),
            what: "dana's two accounts charged");
        Assert.True(mine.GetProperty("enabled").GetBoolean());
        Assert.Equal(["proj-b", "proj-x"], mine.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("account").GetString()).Order());
        Assert.All(mine.GetProperty("data").EnumerateArray(), a => Assert.Equal("dana", Assert.Single(a.GetProperty("users").EnumerateArray()).GetProperty("user").GetString()));

        var admin = factory.CreateClient(TestTokens.Issue("olga", groups: ["admins"]));
        await factory.CreateClient(TestTokens.Issue("ann", groups: ["proj-a"])).PostAsync("/v1/chat/completions", Json.Body(Mock));
        var all = await Eventually.Until(
            async () => await Json.ReadAsync(await admin.GetAsync("/v1/fairshare")),
            report => report.GetProperty("data").EnumerateArray().Any(a => a.GetProperty("account").GetString() == "proj-a" && a.GetProperty("usage").GetDouble() > 0),
            what: "ann's usage in the admin's view");
        Assert.Superset(new HashSet<string?> { "proj-a", "proj-b", "proj-x" }, all.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("account").GetString()).ToHashSet());
    }

    [SkippableFact]
    public async Task TwoIngresses_SharingRedis_SeeOneStanding()
    {
        await using var redis = await Ingress.FairShare.RedisFairShareLedgerTests.ConnectAsync();
        using var manifest = new TestManifest(TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        var account = $"proj-{Guid.NewGuid():N}";
        Dictionary<string, string?> Configuration() => new(TestTokens.Configuration)
        {
            ["METIS_STATUS_URL"] = manifest.Path,
            ["REDIS_URL"] = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_REDIS"),
            ["FairShare:Enabled"] = "true",
        };
        await using var first = await GatewayHosts.StartIngressAsync(Configuration());
        await using var second = await GatewayHosts.StartIngressAsync(Configuration());
        var writer = first.CreateClient(TestTokens.Issue("ann", groups: [account]));
        await Eventually.Until(
            async () => (await writer.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"counted"}]}"""))).StatusCode,
            s => s == HttpStatusCode.OK,
            what: "the first ingress serves the mock");

        var seen = await Eventually.Until(
            async () => (await Json.ReadAsync(await second.CreateClient(TestTokens.Issue("ann", groups: [account])).GetAsync("/v1/fairshare"))).GetProperty("data")[0],
            a => a.GetProperty("usage").GetDouble() > 0,
            what: "the usage charged through the first ingress, seen by the second");

        Assert.Equal(account, seen.GetProperty("account").GetString());
        Assert.Equal("ann", Assert.Single(seen.GetProperty("users").EnumerateArray()).GetProperty("user").GetString());
    }

    /// <summary>Watcher, dispatcher and ingress over RabbitMQ with fair share on, the endpoint taking <paramref name="maxConcurrency"/> at once; clients of proj-a's ann and proj-b's bea.</summary>
    private static async Task<(DistributedStack Stack, HttpClient Ann, HttpClient Bea)> StartOverRabbitMqAsync(int maxConcurrency)
    {
        var stack = await DistributedStack.CreateAsync();
        stack.Manifest.Write(FairEntry(stack.Upstream, maxConcurrency), TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new(Settings));
        await stack.StartIngressAsync(new(Settings));
        await stack.ReadyClientAsync(Model);
        return (stack,
            stack.Ingress!.CreateClient(TestTokens.Issue("ann", groups: ["proj-a"])),
            stack.Ingress.CreateClient(TestTokens.Issue("bea", groups: ["proj-b"])));
    }

    /// <summary>proj-a uses the endpoint a little, until its standing shows it; the upstream then forgets what it saw.</summary>
    private static async Task UseTheEndpointAsync(FakeUpstreamServer upstream, HttpClient ann)
    {
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ann.PostAsync("/v1/chat/completions", Body("used", 0))).StatusCode);
        }

        await Eventually.Until(
            async () => (await Json.ReadAsync(await ann.GetAsync("/v1/fairshare"))).GetProperty("data")[0],
            account => account.GetProperty("account").GetString() == "proj-a" && account.GetProperty("usage").GetDouble() > 0,
            what: "proj-a's usage in its standing");
        upstream.Clear();
    }

    private static uint QueueDepth(JsonElement listing) =>
        listing.GetProperty("data").EnumerateArray()
            .Where(e => e.GetProperty("endpoint_id").GetString() == EndpointId)
            .Select(e => e.GetProperty("queue_depth").ValueKind == JsonValueKind.Number ? e.GetProperty("queue_depth").GetUInt32() : 0)
            .FirstOrDefault();
}
