using System.Net;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// Failover over a real RabbitMQ: a "flaky" endpoint that the weighted strategy nearly always
/// tries first, failing in one way per test, and a "steady" one that answers.
/// </summary>
public class FailoverTests
{
    private const string Model = "ha-model";

    private sealed class Setup(DistributedStack stack, FakeUpstreamServer flaky) : IAsyncDisposable
    {
        public DistributedStack Stack { get; } = stack;

        public FakeUpstreamServer Flaky { get; set; } = flaky;

        public FakeUpstreamServer Steady => Stack.Upstream;

        public async ValueTask DisposeAsync()
        {
            await Stack.DisposeAsync();
            await Flaky.DisposeAsync();
        }
    }

    private static async Task<Setup> StartAsync(Dictionary<string, string?>? routing = null, string? flakyUrl = null, string flakyStatus = "Live")
    {
        var stack = await DistributedStack.CreateAsync();
        var flaky = await FakeUpstreamServer.StartAsync();
        stack.Manifest.Write(
            TestManifest.Entry("flaky", flakyUrl ?? flaky.BaseUrl.ToString(), "flaky-endpoint", [Model], status: flakyStatus, weight: 1_000_000),
            TestManifest.Entry("steady", stack.Upstream.BaseUrl.ToString(), "steady-endpoint", [Model], weight: 0.000001));
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Strategy"] = "Weighted",
            ["Routing:FailuresBeforeCooldown"] = "1",
            ["Routing:CooldownSeconds"] = "5",
            ["Routing:AttemptTimeoutSeconds"] = "2",
        };
        foreach (var (key, value) in routing ?? [])
        {
            settings[key] = value;
        }

        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"flaky-endpoint": "k1", "steady-endpoint": "k2"}""" });
        await stack.StartIngressAsync(settings);
        return new Setup(stack, flaky);
    }

    private static StringContent Chat(string extra = "") =>
        Json.Body($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"hello"}]{{extra}}}""");

    /// <summary>
    /// Waits until a request is routed, and until <paramref name="healthy"/> endpoints are consumed
    /// and healthy (both, unless the test made one unreachable): a request sent while the stack was
    /// still starting may have cooled one down, which would leave a failover nowhere to go.
    /// </summary>
    private static async Task<HttpResponseMessage> ReadyAsync(HttpClient client, int healthy = 2)
    {
        var routed = await Eventually.Until(() => client.PostAsync("/v1/chat/completions", Chat()), r => r.StatusCode != HttpStatusCode.ServiceUnavailable, what: "both endpoints routed");
        await Eventually.Until(
            async () =>
            {
                var listing = await client.GetAsync("/v1/endpoints");
                return listing.IsSuccessStatusCode
                    ? (await Json.ReadAsync(listing)).GetProperty("data").EnumerateArray()
                        .Count(e => e.GetProperty("dispatcher_consuming").GetBoolean() && e.GetProperty("health").GetProperty("state").GetString() == "healthy")
                    : 0;
            },
            ready => ready == healthy,
            what: $"{healthy} endpoints consumed and healthy");
        return routed;
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    public static TheoryData<string> Failures() => ["500", "502", "503", "504", "429", "hang", "closed"];

    [SkippableTheory]
    [MemberData(nameof(Failures))]
    public async Task FailingEndpoint_TheRequestSucceedsThroughAnotherAndTheFailingOneIsCooledDownThenComesBack(string failure)
    {
        await using var setup = await StartAsync();
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = failure switch
        {
            "hang" => new FakeBehavior(Delay: TimeSpan.FromSeconds(30)),
            "closed" => new FakeBehavior { Abort = true },
            "429" => new FakeBehavior(Status: 429) { RetryAfterSeconds = 5 },
            _ => new FakeBehavior(Status: int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture)),
        };
        setup.Flaky.Clear();

        var failedOver = await client.PostAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.OK, failedOver.StatusCode);
        Assert.Equal("steady-endpoint", Header(failedOver, "x-gateway-endpoint"));
        Assert.Equal("2", Header(failedOver, "x-gateway-attempts"));
        Assert.Single(setup.Flaky.Received);

        var whileCooling = await client.PostAsync("/v1/chat/completions", Chat());
        Assert.Equal(("steady-endpoint", "1"), (Header(whileCooling, "x-gateway-endpoint"), Header(whileCooling, "x-gateway-attempts")));
        Assert.Single(setup.Flaky.Received);

        setup.Flaky.Behavior = new FakeBehavior();
        var back = await Eventually.Until(
            () => client.PostAsync("/v1/chat/completions", Chat()),
            r => Header(r, "x-gateway-endpoint") == "flaky-endpoint",
            timeout: TimeSpan.FromSeconds(20),
            what: "the flaky endpoint back after its cooldown");
        Assert.Equal("1", Header(back, "x-gateway-attempts"));
    }

    [SkippableFact]
    public async Task ConnectionRefused_FailsOverThenTheEndpointIsCooledDownAndComesBackWhenItListensAgain()
    {
        await using var setup = await StartAsync();
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        var port = setup.Flaky.BaseUrl.Port;
        await setup.Flaky.DisposeAsync();

        var failedOver = await client.PostAsync("/v1/chat/completions", Chat());
        var whileCooling = await client.PostAsync("/v1/chat/completions", Chat());
        setup.Flaky = await FakeUpstreamServer.StartAsync($"http://127.0.0.1:{port}");

        Assert.Equal(("steady-endpoint", "2"), (Header(failedOver, "x-gateway-endpoint"), Header(failedOver, "x-gateway-attempts")));
        Assert.Equal(("steady-endpoint", "1"), (Header(whileCooling, "x-gateway-endpoint"), Header(whileCooling, "x-gateway-attempts")));
        var usagePath = setup.Stack.Ingress!.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerGateway.Ingress.Database.DatabaseOptions>>().Value.SqlitePath;
        var failoverRow = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(usagePath).FirstOrDefault(r => r.Attempts == 2)),
            row => row is not null,
            what: "the usage row of the failed-over request");
        Assert.Equal(("steady-endpoint", 200), (failoverRow!.EndpointId, failoverRow.Status));
        await Eventually.Until(
            () => client.PostAsync("/v1/chat/completions", Chat()),
            r => Header(r, "x-gateway-endpoint") == "flaky-endpoint",
            timeout: TimeSpan.FromSeconds(20),
            what: "the endpoint back once it listens again");
    }

    [SkippableFact]
    public async Task UnreachableEndpoint_FailsOverToAnother()
    {
        await using var setup = await StartAsync(flakyUrl: "http://127.0.0.1:1/v1");
        var client = setup.Stack.Client();

        var response = await ReadyAsync(client, healthy: 1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("steady-endpoint", Header(response, "x-gateway-endpoint"));
    }

    [SkippableFact]
    public async Task ADispatcherThatAnnouncedAnEndpointButDoesNotConsumeIt_IsNotRoutedTo_UntilOneDoes()
    {
        await using var setup = await StartAsync();
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Stack.Manifest.Write(
            TestManifest.Entry("ghost", setup.Flaky.BaseUrl.ToString(), "ghost-endpoint", [Model], weight: 1_000_000),
            TestManifest.Entry("steady", setup.Steady.BaseUrl.ToString(), "steady-endpoint", [Model], weight: 0.000001));

        // A dispatcher that announced the ghost endpoint and then died without saying goodbye: its
        // heartbeat is still valid, but the broker counts no consumer on the endpoint's queue.
        await setup.Stack.Ingress!.Services.GetRequiredService<IBus>().Publish(
            new DispatcherHeartbeat("crashed-dispatcher", ["ghost-endpoint"], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        await Eventually.Until(
            async () =>
            {
                var listing = await client.GetAsync("/v1/endpoints");
                return listing.IsSuccessStatusCode && (await Json.ReadAsync(listing)).GetProperty("data").EnumerateArray()
                    .Any(e => e.GetProperty("endpoint_id").GetString() == "ghost-endpoint" && e.GetProperty("dispatchers").GetInt32() == 1
                        && !e.GetProperty("dispatcher_consuming").GetBoolean() && e.GetProperty("queue_depth").ValueKind == System.Text.Json.JsonValueKind.Number);
            },
            known => known,
            what: "the ingress knows the ghost's (dead) dispatcher and that nobody consumes its queue");

        // Requests go straight to the endpoint that is consumed: nobody waits on a queue nobody takes from.
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsync("/v1/chat/completions", Chat());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(("steady-endpoint", "1"), (Header(response, "x-gateway-endpoint"), Header(response, "x-gateway-attempts")));
        }

        // A dispatcher for the endpoint starts: the ghost is routed to again, without a cooldown to wait out.
        using var revived = await GatewayHosts.StartDispatcherAsync(setup.Stack.Shared(new() { ["METIS_API_TOKENS"] = """{"ghost-endpoint": "k3"}""" }));
        var back = await Eventually.Until(
            () => client.PostAsync("/v1/chat/completions", Chat()),
            r => Header(r, "x-gateway-endpoint") == "ghost-endpoint",
            timeout: TimeSpan.FromSeconds(10),
            what: "the endpoint back once a dispatcher consumes its queue");
        Assert.Equal("1", Header(back, "x-gateway-attempts"));
        await revived.StopAsync();
    }

    [SkippableTheory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task RefusedRequest_IsReturnedAsItIsWithoutFailover(int status)
    {
        await using var setup = await StartAsync();
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Steady.Clear();

        var response = await client.PostAsync("/v1/chat/completions", Chat($$""","fake":{"status":{{status}}}"""));

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal("1", Header(response, "x-gateway-attempts"));
        Assert.Empty(setup.Steady.Received);
    }

    [SkippableFact]
    public async Task AttemptTimeoutWithFailoverOff_Is504AndNothingElseIsCalled()
    {
        await using var setup = await StartAsync(new() { ["Routing:FailoverOnAttemptTimeout"] = "false" });
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = new FakeBehavior(Delay: TimeSpan.FromSeconds(30));
        setup.Steady.Clear();

        var response = await client.PostAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Empty(setup.Steady.Received);
        await setup.Flaky.WaitForAsync(r => r.Aborted, TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public async Task EveryEndpointFailing_TheLastFailureIsAnsweredAfterTryingEach()
    {
        await using var setup = await StartAsync();
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = new FakeBehavior(Status: 500);
        setup.Steady.Behavior = new FakeBehavior(Status: 503);

        var response = await client.PostAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("2", Header(response, "x-gateway-attempts"));
    }

    [SkippableFact]
    public async Task ClientDisconnecting_AbortsTheUpstreamCall()
    {
        await using var setup = await StartAsync(new() { ["Routing:AttemptTimeoutSeconds"] = "60" });
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = new FakeBehavior(Delay: TimeSpan.FromSeconds(50));
        setup.Flaky.Clear();
        using var disconnect = new CancellationTokenSource();

        var call = client.PostAsync("/v1/chat/completions", Chat(), disconnect.Token);
        await setup.Flaky.WaitForAsync(_ => true, TimeSpan.FromSeconds(10));
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var aborted = await setup.Flaky.WaitForAsync(r => r.Aborted, TimeSpan.FromSeconds(10));
        Assert.True(aborted.Aborted);
        Assert.Empty(setup.Steady.Received);
    }

    [SkippableFact]
    public async Task PerRequestTimeoutHeader_ShortensTheDeadline()
    {
        await using var setup = await StartAsync(new() { ["Routing:AttemptTimeoutSeconds"] = "60" });
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = new FakeBehavior(Delay: TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Chat() };
        request.Headers.Add("x-gateway-timeout-ms", "1500");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [SkippableFact]
    public async Task ListEndpoints_ShowsHealthDispatchersAndQueueDepthButNoSecret()
    {
        await using var setup = await StartAsync(flakyUrl: "http://operator:url-secret@127.0.0.1:1/v1?sig=abc");
        var client = setup.Stack.Client();
        await ReadyAsync(client, healthy: 1);

        // Queue depths are read from the broker once a second: wait for the first reading.
        var (status, text) = await Eventually.Until(
            async () =>
            {
                var response = await client.GetAsync("/resource_server/list-endpoints");
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            },
            r => System.Text.Json.JsonDocument.Parse(r.Item2).RootElement.GetProperty("data").EnumerateArray()
                .All(e => e.GetProperty("endpoint_id").GetString() != "steady-endpoint" || e.GetProperty("queue_depth").ValueKind == System.Text.Json.JsonValueKind.Number),
            what: "the steady endpoint's queue depth read from the broker");
        var entries = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().ToDictionary(e => e.GetProperty("endpoint_id").GetString()!);

        Assert.Equal(HttpStatusCode.OK, status);
        var flaky = entries["flaky-endpoint"];
        Assert.Equal("cooling_down", flaky.GetProperty("health").GetProperty("state").GetString());
        Assert.Equal("unreachable", flaky.GetProperty("health").GetProperty("last_error").GetString());
        Assert.Equal("http://127.0.0.1:1/v1", flaky.GetProperty("url").GetString());
        var steady = entries["steady-endpoint"];
        Assert.Equal("healthy", steady.GetProperty("health").GetProperty("state").GetString());
        Assert.True(steady.GetProperty("dispatcher_consuming").GetBoolean());
        Assert.Equal(0, steady.GetProperty("queue_depth").GetInt32());
        Assert.Equal([Model], steady.GetProperty("experts").EnumerateArray().Select(e => e.GetString()!));
        Assert.DoesNotContain("url-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"k1\"", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/endpoints")).StatusCode);
    }

    [SkippableFact]
    public async Task Cooldown_SeenByOneIngressReplica_IsSharedWithTheOther()
    {
        await using var setup = await StartAsync(new() { ["Routing:CooldownSeconds"] = "60" });
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        await using var second = await GatewayHosts.StartIngressAsync(setup.Stack.Shared(new(TestTokens.Configuration) { ["Routing:Strategy"] = "Weighted" }));
        var secondClient = second.CreateClient(TestTokens.Issue());
        await Eventually.Until(
            async () => (await secondClient.PostAsync("/v1/chat/completions", Chat())).StatusCode,
            status => status == HttpStatusCode.OK,
            what: "the second replica routes");
        setup.Flaky.Behavior = new FakeBehavior(Status: 500);
        setup.Flaky.Clear();

        await client.PostAsync("/v1/chat/completions", Chat());

        var state = await Eventually.Until(
            async () => (await Json.ReadAsync(await secondClient.GetAsync("/v1/endpoints"))).GetProperty("data").EnumerateArray()
                .Single(e => e.GetProperty("endpoint_id").GetString() == "flaky-endpoint").GetProperty("health").GetProperty("state").GetString(),
            s => s == "cooling_down",
            what: "the second replica learns the cooldown");
        Assert.Equal("cooling_down", state);
        var viaSecond = await secondClient.PostAsync("/v1/chat/completions", Chat());
        Assert.Equal(("steady-endpoint", "1"), (Header(viaSecond, "x-gateway-endpoint"), Header(viaSecond, "x-gateway-attempts")));
        Assert.Single(setup.Flaky.Received);
    }

    [SkippableFact]
    public async Task EntryRemovedWhileARequestRuns_TheRequestFinishes()
    {
        await using var setup = await StartAsync(new() { ["Routing:AttemptTimeoutSeconds"] = "30" });
        var client = setup.Stack.Client();
        await ReadyAsync(client);
        setup.Flaky.Behavior = new FakeBehavior(Delay: TimeSpan.FromSeconds(3));
        setup.Flaky.Clear();

        var running = client.PostAsync("/v1/chat/completions", Chat());
        await setup.Flaky.WaitForAsync(_ => true, TimeSpan.FromSeconds(10));
        setup.Stack.Manifest.Write(TestManifest.Entry("steady", setup.Steady.BaseUrl.ToString(), "steady-endpoint", [Model]));
        await Eventually.Until(
            async () => (await Json.ReadAsync(await client.GetAsync("/v1/endpoints"))).GetProperty("data").GetArrayLength(),
            count => count == 1,
            what: "the entry is gone from the ingress's manifest");

        var response = await running;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("flaky-endpoint", Header(response, "x-gateway-endpoint"));
    }
}
