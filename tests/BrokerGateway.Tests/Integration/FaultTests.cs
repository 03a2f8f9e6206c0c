using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace BrokerGateway.Tests.Integration;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    /// <summary>Heavy under load: run alone, after the others, so no other test shares the two cores with them.</summary>
    public const string Name = "Faults";
}

/// <summary>
/// The gateway as an operator runs it — over a real RabbitMQ, every service its own OS process,
/// fake upstreams on loopback — under the conditions users bring: bursts of slow requests, a
/// dispatcher, an upstream or the broker going away under load, a manifest source that fails, a
/// rolling restart. Each asserts what callers saw: how many got which status, that none was left
/// without an answer, and how soon things were well again.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed partial class FaultTests(ITestOutputHelper output)
{
    private const string Model = "fault-model";

    private static string Chat(int index, int delayMs = 0, string model = Model) =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"request {{index}}"}]{{(delayMs > 0 ? $$""","fake":{"delay_ms":{{delayMs}}}""" : string.Empty)}}}""";

    private static Dictionary<string, object> Endpoint(string id, Uri url, double weight = 1, int? maxConcurrency = null)
    {
        var entry = (Dictionary<string, object>)TestManifest.Entry(id, url.ToString(), id, [Model], weight: weight);
        if (maxConcurrency is { } limit)
        {
            entry["max_concurrency"] = limit;
        }

        return entry;
    }

    [SkippableFact]
    public async Task ABurstOfTwoThousandCallersAgainstATwoSecondUpstream_IsAnsweredInFullWithDefaultSettings()
    {
        await using var broker = await Broker.AcquireAsync();
        var upstreamPort = ServiceProcess.FreePort();
        using var upstream = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{upstreamPort}", "--no-record", "--delay-ms", "2000");
        using var manifest = new TestManifest(Endpoint("burst-endpoint", new Uri($"http://127.0.0.1:{upstreamPort}/v1")));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        gateway.StartDispatcher("""{"burst-endpoint": "sk-burst-key-0123456789"}""");
        var ingress = gateway.StartIngress();
        await gateway.WaitUntilServingAsync(ingress.Url, Model);

        await using var load = LoadRun.Start([ingress.Url], concurrency: 2000, i => Chat(i), limit: 2000, timeout: TimeSpan.FromSeconds(130));
        var outcomes = await load.CompletionAsync();

        Assert.Equal(2000, outcomes.Count);
        Assert.True(outcomes.All(o => o.Status == 200), outcomes.Summary());

        // Half of them waited their turn on the queue: the wait is reported, and it was no failure.
        Assert.All(outcomes, o => Assert.NotNull(o.QueueMilliseconds));
        AssertNoErrorLine(gateway.AllOutput);
        gateway.AssertRunning();
    }

    [SkippableFact]
    public async Task ADispatcherKilledUnderLoad_CostsCallersNothing_AndEveryRepeatUpstreamIsLoggedWithItsRequestId()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(Endpoint("kill-endpoint", upstream.BaseUrl));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        const string keys = """{"kill-endpoint": "sk-kill-key-0123456789"}""";
        gateway.StartWatcher();
        var doomed = gateway.StartDispatcher(keys);
        var survivor = gateway.StartDispatcher(keys);
        var ingress = gateway.StartIngress();
        await gateway.WaitUntilServingAsync(ingress.Url, Model);
        await WaitForDispatchersAsync(ingress.Url, "kill-endpoint", 2);
        upstream.Clear();

        await using var load = LoadRun.Start([ingress.Url], concurrency: 32, i => Chat(i, delayMs: 300));
        await load.WaitForAsync(300);
        doomed.KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        await load.WaitForAsync(load.Outcomes.Count + 600);
        var outcomes = await load.StopAsync();

        Assert.True(outcomes.All(o => o.Status == 200), outcomes.Summary());
        Assert.Contains(outcomes, o => o.SentAt > killedAt.AddSeconds(1));

        // Requests the killed dispatcher had begun were delivered to the other, and may have reached
        // the upstream twice: each such repeat is in the survivor's log with the request's id.
        var ids = outcomes.ToDictionary(o => o.Index, o => Guid.Parse(o.RequestId!));
        var repeated = upstream.Received.GroupBy(r => RequestIndex().Match(r.Body).Groups[1].Value).Where(g => g.Count() > 1)
            .Select(g => ids[int.Parse(g.Key, System.Globalization.CultureInfo.InvariantCulture)]).ToList();
        var logged = RedeliveredId().Matches(survivor.Output).Select(m => Guid.Parse(m.Groups[1].Value)).ToHashSet();
        output.WriteLine($"{outcomes.Count} requests: {outcomes.Summary()}; {repeated.Count} reached the upstream twice; {logged.Count} redeliveries logged");
        Assert.NotEmpty(logged);
        Assert.All(repeated, id => Assert.Contains(id, logged));
        gateway.AssertRunning(doomed);
    }

    [SkippableFact]
    public async Task TheOnlyDispatcherOfAnEndpointKilled_ItsRequestsGoElsewhereInSeconds_NotAtTheirDeadline()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var first = await FakeUpstreamServer.StartAsync();
        await using var second = await FakeUpstreamServer.StartAsync();

        // The first endpoint is preferred and takes 4 requests at a time: the rest wait on its queue.
        using var manifest = new TestManifest(Endpoint("first-endpoint", first.BaseUrl, weight: 1_000_000, maxConcurrency: 4), Endpoint("second-endpoint", second.BaseUrl, weight: 0.000001));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        var doomed = gateway.StartDispatcher("""{"first-endpoint": "sk-first-key-0123456789"}""");
        gateway.StartDispatcher("""{"second-endpoint": "sk-second-key-0123456789"}""");
        var ingress = gateway.StartIngress(new Dictionary<string, string> { ["Routing__Strategy"] = "Weighted" });
        await gateway.WaitUntilServingAsync(ingress.Url, Model);
        await WaitForDispatchersAsync(ingress.Url, "first-endpoint", 1);
        await WaitForDispatchersAsync(ingress.Url, "second-endpoint", 1);
        first.Clear();

        await using var load = LoadRun.Start([ingress.Url], concurrency: 24, i => Chat(i, delayMs: 3000), limit: 24);
        await Eventually.Until(() => first.Received.Count >= 4, TimeSpan.FromSeconds(30), "the first endpoint busy with 4 requests, 20 waiting");
        doomed.KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        var outcomes = await load.CompletionAsync();

        var late = outcomes.Max(o => o.AnsweredAt) - killedAt;
        output.WriteLine($"{outcomes.Summary()}; the last answer came {late.TotalSeconds:0.0} s after the kill");
        Assert.True(outcomes.All(o => o.Status == 200 && o.Endpoint == "second-endpoint"), string.Join(", ", outcomes.Select(o => $"{o.Status} {o.ErrorCode} {o.Endpoint}")));

        // Within a few checks of the queue and one 3 s call upstream, far from the 120 s deadline.
        Assert.True(late < TimeSpan.FromSeconds(20), $"the last answer came {late.TotalSeconds:0.0} s after the kill");
        gateway.AssertRunning(doomed);
    }

    [SkippableFact]
    public async Task TheBrokerStoppedAndStartedUnderLoad_CallersGetAClearErrorAtOnce_AndTrafficFlowsSoonAfterItIsBack()
    {
        await using var broker = await FaultBroker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(Endpoint("outage-endpoint", upstream.BaseUrl));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        gateway.StartDispatcher("""{"outage-endpoint": "sk-outage-key-0123456789"}""");
        var ingress = gateway.StartIngress();
        await gateway.WaitUntilServingAsync(ingress.Url, Model);

        await using var load = LoadRun.Start([ingress.Url], concurrency: 8, i => Chat(i, delayMs: 50), timeout: TimeSpan.FromSeconds(30));
        await load.WaitForAsync(200);
        using var dump = new DumpOnFailure(output, gateway);
        var stopping = DateTimeOffset.UtcNow;
        await broker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await broker.StartAsync();
        var back = DateTimeOffset.UtcNow;
        await Eventually.Until(() => load.Outcomes.Any(o => o.SentAt > back && o.Status == 200), TimeSpan.FromSeconds(60), "a request served after the broker is back");
        var firstServed = load.Outcomes.Where(o => o.SentAt > back && o.Status == 200).Min(o => o.AnsweredAt);
        await load.WaitForAsync(load.Outcomes.Count + 200);
        var outcomes = await load.StopAsync();

        var failed = outcomes.Where(o => o.Status != 200).ToList();
        output.WriteLine($"{outcomes.Summary()}; slowest failure {failed.Select(o => o.Took.TotalSeconds).DefaultIfEmpty().Max():0.00} s; first 200 {(firstServed - back).TotalSeconds:0.0} s after the broker was back");

        // Every caller got an answer; those the broker's absence failed were told so at once, by name.
        Assert.All(outcomes, o => Assert.Null(o.Failure));
        Assert.NotEmpty(failed);
        Assert.All(failed, o => Assert.Equal((503, "broker_unavailable"), (o.Status, o.ErrorCode)));
        Assert.All(failed, o => Assert.True(o.Took < TimeSpan.FromSeconds(3), $"a failure took {o.Took.TotalSeconds:0.0} s"));
        Assert.All(outcomes.Where(o => o.SentAt > firstServed), o => Assert.Equal(200, o.Status));
        Assert.True(firstServed - back < TimeSpan.FromSeconds(10), $"the first 200 came {(firstServed - back).TotalSeconds:0.0} s after the broker was back");
        Assert.True(stopping < back);

        // Broker trouble says nothing against the endpoint.
        using var client = ProcessGateway.Client(ingress.Url);
        var endpoint = (await Json.ReadAsync(await client.GetAsync("/v1/endpoints"))).GetProperty("data")[0];
        Assert.Equal("healthy", endpoint.GetProperty("health").GetProperty("state").GetString());
        AssertNoErrorLine(gateway.AllOutput);
        Assert.DoesNotContain("   at ", gateway.AllOutput, StringComparison.Ordinal);
        gateway.AssertRunning();
        dump.Passed();
    }

    private sealed class DumpOnFailure(ITestOutputHelper output, ProcessGateway gateway) : IDisposable
    {
        private bool _passed;

        public void Passed() => _passed = true;

        public void Dispose()
        {
            if (!_passed)
            {
                output.WriteLine(gateway.AllOutput);
            }
        }
    }

    [SkippableFact]
    public async Task TheManifestSourceDownCorruptThenGood_CallersAreServedThroughout_AndTheGoodManifestTakesEffect()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        var good = JsonSerializer.Serialize(new Dictionary<string, object> { ["kept"] = ManifestBody("kept-endpoint", upstream.BaseUrl, Model) });
        await using var source = await ManifestServer.StartAsync(good);
        using var gateway = new ProcessGateway(broker.AmqpUrl, source.Url);
        gateway.StartWatcher();
        gateway.StartDispatcher("""{"kept-endpoint": "sk-kept-key-0123456789", "added-endpoint": "sk-added-key-0123456789"}""");
        var ingress = gateway.StartIngress();
        await gateway.WaitUntilServingAsync(ingress.Url, Model);

        await using var load = LoadRun.Start([ingress.Url], concurrency: 4, i => Chat(i, delayMs: 20));
        await load.WaitForAsync(50);
        source.Body = null;
        await load.WaitForAsync(load.Outcomes.Count + 150);
        source.Body = "{\"kept\": {\"status\": \"Live\", \"model\": ";
        await load.WaitForAsync(load.Outcomes.Count + 150);
        await source.StopListeningAsync();
        await load.WaitForAsync(load.Outcomes.Count + 150);
        source.Body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kept"] = ManifestBody("kept-endpoint", upstream.BaseUrl, Model),
            ["added"] = ManifestBody("added-endpoint", upstream.BaseUrl, "added-model"),
        });
        await source.ListenAsync();
        var changedAt = DateTimeOffset.UtcNow;
        using var client = ProcessGateway.Client(ingress.Url);
        await Eventually.Until(
            async () => (await client.PostAsync("/v1/chat/completions", Json.Body(Chat(0, model: "added-model")))).StatusCode,
            status => status == HttpStatusCode.OK,
            timeout: TimeSpan.FromSeconds(30),
            what: "the model of the good manifest served");
        var tookEffect = DateTimeOffset.UtcNow - changedAt;
        var outcomes = await load.StopAsync();

        output.WriteLine($"{outcomes.Summary()}; the good manifest took effect after {tookEffect.TotalSeconds:0.0} s");
        Assert.True(outcomes.All(o => o.Status == 200), outcomes.Summary());
        Assert.Contains("answered HTTP 500", gateway.AllOutput, StringComparison.Ordinal);
        gateway.AssertRunning();
    }

    [SkippableFact]
    public async Task OneUpstreamOfTwoKilledUnderLoad_CallersAreServedByTheOther_AndItIsCooledDownOnceNotForTheMaximum()
    {
        await using var broker = await Broker.AcquireAsync();
        var (firstPort, secondPort) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
        var first = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{firstPort}", "--no-record");
        using var second = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{secondPort}", "--no-record");
        using var manifest = new TestManifest(Endpoint("first-upstream", new Uri($"http://127.0.0.1:{firstPort}/v1")), Endpoint("second-upstream", new Uri($"http://127.0.0.1:{secondPort}/v1")));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        gateway.StartDispatcher("""{"first-upstream": "sk-first-key-0123456789", "second-upstream": "sk-second-key-0123456789"}""");
        var ingress = gateway.StartIngress(new Dictionary<string, string> { ["Routing__CooldownSeconds"] = "5", ["Routing__MaxCooldownSeconds"] = "300" });
        await gateway.WaitUntilServingAsync(ingress.Url, Model);
        using var client = ProcessGateway.Client(ingress.Url);

        await using var load = LoadRun.Start([ingress.Url], concurrency: 16, i => Chat(i, delayMs: 100));
        await load.WaitForAsync(200);
        first.KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        await load.WaitForAsync(load.Outcomes.Count + 200);

        // However many requests were in flight to it, one incident: one cooldown of 5 s.
        var health = (await Json.ReadAsync(await client.GetAsync("/v1/endpoints"))).GetProperty("data").EnumerateArray()
            .Single(e => e.GetProperty("endpoint_id").GetString() == "first-upstream").GetProperty("health");
        Assert.Equal("cooling_down", health.GetProperty("state").GetString());
        var coolingUntil = health.GetProperty("cooling_until").GetDateTimeOffset();
        Assert.True(coolingUntil <= DateTimeOffset.UtcNow.AddSeconds(5), $"cooling until {coolingUntil:O}, {(coolingUntil - killedAt).TotalSeconds:0.0} s after the kill");

        // It listens again: after its cooldown, the probe finds it and it has traffic again.
        using var revived = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{firstPort}", "--no-record");
        await Eventually.Until(() => load.Outcomes.Any(o => o.SentAt > killedAt && o.Endpoint == "first-upstream"), TimeSpan.FromSeconds(30), "the revived upstream served again");
        var outcomes = await load.StopAsync();
        first.Dispose();

        output.WriteLine($"{outcomes.Summary()}; cooled until {(coolingUntil - killedAt).TotalSeconds:0.0} s after the kill");
        Assert.True(outcomes.All(o => o.Status == 200), outcomes.Summary());
        gateway.AssertRunning();
    }

    [SkippableFact]
    public async Task ARollingRestartOfEveryServiceUnderLoad_CostsCallersNothing()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(Endpoint("rolling-endpoint", upstream.BaseUrl));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        const string keys = """{"rolling-endpoint": "sk-rolling-key-0123456789"}""";
        var watcher = gateway.StartWatcher();
        var dispatchers = new[] { gateway.StartDispatcher(keys), gateway.StartDispatcher(keys) };
        // A second of serving on at each ingress's stop, not ready and answering Connection: close:
        // the load balancer takes it out before it stops listening, and no caller's request meets a
        // connection as it is closed.
        var stopping = new Dictionary<string, string> { ["Gateway__ShutdownDelaySeconds"] = "1" };
        var ingresses = new[] { gateway.StartIngress(stopping), gateway.StartIngress(stopping) };
        foreach (var ingress in ingresses)
        {
            await gateway.WaitUntilServingAsync(ingress.Url, Model);
        }

        await WaitForDispatchersAsync(ingresses[0].Url, "rolling-endpoint", 2);
        // The callers' load balancer follows the ingresses' readiness, as one in front of them does.
        await using var load = LoadRun.Start(ingresses.Select(i => i.Url).ToList(), concurrency: 16, i => Chat(i, delayMs: 200), followReadiness: true);
        await load.WaitForAsync(100);

        // One at a time, as an orchestrator does: SIGTERM, wait for the exit, start the new one, wait until it is ready.
        for (var i = 0; i < dispatchers.Length; i++)
        {
            await StopGracefullyAsync(dispatchers[i]);
            dispatchers[i] = gateway.StartDispatcher(keys);
            await WaitForDispatchersAsync(ingresses[1 - (i % 2)].Url, "rolling-endpoint", 2);
        }

        await StopGracefullyAsync(watcher);
        gateway.StartWatcher();
        for (var i = 0; i < ingresses.Length; i++)
        {
            await StopGracefullyAsync(ingresses[i].Process);
            ingresses[i] = gateway.StartIngress(stopping, port: ingresses[i].Url.Port);
            await gateway.WaitUntilServingAsync(ingresses[i].Url, Model);
        }

        await load.WaitForAsync(load.Outcomes.Count + 100);
        var outcomes = await load.StopAsync();

        output.WriteLine(outcomes.Summary());
        Assert.True(outcomes.All(o => o.Status == 200), string.Join("\n", outcomes.Where(o => o.Status != 200).Select(o => o.ToString())));
        AssertNoErrorLine(gateway.AllOutput);
        gateway.AssertRunning();
    }

    private static async Task StopGracefullyAsync(ServiceProcess process)
    {
        process.Terminate();
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(90)));
    }

    private static Dictionary<string, object> ManifestBody(string endpointId, Uri url, string model) => new()
    {
        ["status"] = "Live",
        ["model"] = model,
        ["description"] = "fault test",
        ["experts"] = new[] { model },
        ["url"] = url.ToString(),
        ["endpoint_id"] = endpointId,
    };

    /// <summary>Waits until the ingress counts this many dispatchers consuming the endpoint's queue.</summary>
    private static async Task WaitForDispatchersAsync(Uri ingress, string endpointId, int count)
    {
        using var client = ProcessGateway.Client(ingress);
        await Eventually.Until(
            async () => (await Json.ReadAsync(await client.GetAsync("/v1/endpoints"))).GetProperty("data").EnumerateArray()
                .Single(e => e.GetProperty("endpoint_id").GetString() == endpointId).GetProperty("dispatchers").GetInt32(),
            n => n == count,
            timeout: TimeSpan.FromSeconds(60),
            what: $"{count} dispatchers for {endpointId}");
    }

    [GeneratedRegex(@"\[\d\d:\d\d:\d\d (ERR|FTL)\]")]
    private static partial Regex ErrorLine();

    /// <summary>No ERR or FTL line; if there is one, the failure shows it and what follows it (its exception).</summary>
    private static void AssertNoErrorLine(string output)
    {
        var match = ErrorLine().Match(output);
        if (match.Success)
        {
            var lines = output[match.Index..].Split('\n').Take(6).Select(l => l.Length > 300 ? l[..300] : l);
            Assert.Fail("an error line was logged:\n" + string.Join('\n', lines));
        }
    }

    [GeneratedRegex("request (\\d+)")]
    private static partial Regex RequestIndex();

    [GeneratedRegex(@"Request ([0-9a-f-]{36}) attempt \d+ for \S+ delivered again")]
    private static partial Regex RedeliveredId();
}
