using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// Graceful stops (SIGTERM) of OS processes: an ingress serves on through its delay, if it has one,
/// lets its requests finish within its grace and answers the rest 503 <c>gateway_stopping</c>; a dispatcher stops taking requests, finishes
/// its calls within its drain, and what is left is tried on another endpoint.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ShutdownTests
{
    private static string Chat(string model, int delayMs) =>
        $$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":"hi"}],"fake":{"delay_ms":{{{delayMs}}}}}""";

    [Fact]
    public async Task AnIngressStopping_FinishesWhatItCanWithinItsGrace_AndAnswersTheRest503()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]));
        using var gateway = new ProcessGateway(null, manifest.Path);
        var ingress = gateway.StartIngress(new Dictionary<string, string> { ["Gateway__ShutdownGraceSeconds"] = "2" }, apiTokens: """{"fake-endpoint": "sk-grace-key-0123456789"}""");
        await gateway.WaitUntilServingAsync(ingress.Url, "fake-model");
        using var client = ProcessGateway.Client(ingress.Url);

        var quick = client.PostAsync("/v1/chat/completions", Json.Body(Chat("fake-model", 800)));
        var slow = client.PostAsync("/v1/chat/completions", Json.Body(Chat("fake-model", 20_000)));
        await Eventually.Until(() => upstream.Received.Count >= 2, TimeSpan.FromSeconds(10), "both requests at the upstream");
        var stopped = DateTimeOffset.UtcNow;
        ingress.Process.Terminate();

        Assert.Equal(HttpStatusCode.OK, (await quick).StatusCode);
        var cut = await slow;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cut.StatusCode);
        Assert.Equal("gateway_stopping", await Json.ErrorCodeAsync(cut));
        Assert.NotNull(cut.Headers.RetryAfter);
        Assert.Equal(0, await ingress.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(DateTimeOffset.UtcNow - stopped < TimeSpan.FromSeconds(15), "the ingress took its grace, not the slow request's time");
    }

    [Fact]
    public async Task AnIngressWithAShutdownDelay_ServesOnThroughIt_ClosingEachConnection_AndIsNotReady()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]));
        using var gateway = new ProcessGateway(null, manifest.Path);
        var ingress = gateway.StartIngress(new Dictionary<string, string> { ["Gateway__ShutdownDelaySeconds"] = "6" }, apiTokens: """{"fake-endpoint": "sk-delay-key-0123456789"}""");
        await gateway.WaitUntilServingAsync(ingress.Url, "fake-model");
        using var client = ProcessGateway.Client(ingress.Url);
        var before = await client.PostAsync("/v1/chat/completions", Json.Body(Chat("fake-model", 0)));
        Assert.NotEqual(true, before.Headers.ConnectionClose);

        var stopped = DateTimeOffset.UtcNow;
        ingress.Process.Terminate();
        var ready = await Eventually.Until(
            async () => (await client.GetAsync("/health/ready")).StatusCode,
            status => status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(5),
            "not ready once told to stop");
        var during = await client.PostAsync("/v1/chat/completions", Json.Body(Chat("fake-model", 0)));

        Assert.True(DateTimeOffset.UtcNow - stopped < TimeSpan.FromSeconds(6), "the answers came within the delay");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK, true), (ready, during.StatusCode, during.Headers.ConnectionClose));
        Assert.Equal(0, await ingress.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(DateTimeOffset.UtcNow - stopped >= TimeSpan.FromSeconds(6), "the ingress listened through its delay");
        Assert.Contains("taking requests for 6 s more", ingress.Process.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ADispatcherStopping_FinishesItsCallsWithinItsDrain_AndWhatIsLeftIsTriedElsewhere()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var first = await FakeUpstreamServer.StartAsync();
        await using var second = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(
            TestManifest.Entry("first", first.BaseUrl.ToString(), "first-endpoint", ["drain-model"], weight: 1_000_000),
            TestManifest.Entry("second", second.BaseUrl.ToString(), "second-endpoint", ["drain-model"], weight: 0.000001));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        var draining = gateway.StartDispatcher("""{"first-endpoint": "sk-first-key-0123456789"}""", new Dictionary<string, string> { ["DISPATCHER_DRAIN_SECONDS"] = "4" });
        gateway.StartDispatcher("""{"second-endpoint": "sk-second-key-0123456789"}""");
        var ingress = gateway.StartIngress(new Dictionary<string, string> { ["Routing__Strategy"] = "Weighted" });
        await gateway.WaitUntilServingAsync(ingress.Url, "drain-model");
        using var client = ProcessGateway.Client(ingress.Url);
        first.Clear();

        // The quick call ends 3 s inside the drain, the slow one 6 s after it: margins a loaded two-core machine keeps.
        var quick = client.PostAsync("/v1/chat/completions", Json.Body(Chat("drain-model", 1000)));
        var slow = client.PostAsync("/v1/chat/completions", Json.Body(Chat("drain-model", 10_000)));
        await Eventually.Until(() => first.Received.Count >= 2, TimeSpan.FromSeconds(10), "both requests at the first upstream");
        draining.Terminate();

        var finished = await quick;
        Assert.Equal((HttpStatusCode.OK, "first-endpoint"), (finished.StatusCode, finished.Headers.GetValues("x-gateway-endpoint").Single()));
        var movedOn = await slow;
        Assert.Equal((HttpStatusCode.OK, "second-endpoint", "2"),
            (movedOn.StatusCode, movedOn.Headers.GetValues("x-gateway-endpoint").Single(), movedOn.Headers.GetValues("x-gateway-attempts").Single()));
        Assert.Equal(0, await draining.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("calls still running after the drain grace of 4 s", draining.Output, StringComparison.Ordinal);

        // Gone for good: new requests go to the dispatcher that is left.
        var after = await client.PostAsync("/v1/chat/completions", Json.Body(Chat("drain-model", 0)));
        Assert.Equal("second-endpoint", after.Headers.GetValues("x-gateway-endpoint").Single());
        gateway.AssertRunning(draining);
    }
}
