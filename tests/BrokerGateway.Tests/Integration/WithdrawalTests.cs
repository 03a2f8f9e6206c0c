using System.Net;
using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// A request waits on a busy endpoint's queue; its caller leaves before a dispatcher takes it. The
/// message stays on the queue until its deadline, so the ingress withdraws it: the dispatcher that
/// takes it later drops it — as does one that started after the withdrawal, which asks the ingress
/// first — and the upstream never sees a request nobody reads.
/// </summary>
public class WithdrawalTests
{
    private static StringContent Chat(string content, int delayMs) =>
        Json.Body($$$"""{"model":"bounded-model","messages":[{"role":"user","content":"{{{content}}}"}],"fake":{"delay_ms":{{{delayMs}}}}}""");

    private const string BoundedKey = """{"bounded-endpoint": "sk-bounded-key-0123456789"}""";

    [SkippableFact]
    public async Task OverRabbitMq_ARequestWhoseCallerLeftWhileItWasQueued_NeverReachesTheUpstream()
    {
        await using var stack = await DistributedStack.CreateAsync();
        var (client, first) = await LeaveWhileQueuedAsync(stack);

        // A request sent after it is taken after it: once that one is answered, the one left behind was dropped.
        var after = await client.PostAsync("/v1/chat/completions", Chat("after", 0));
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain(stack.Upstream.Received, r => r.Body.Contains("left-while-queued", StringComparison.Ordinal));
        Assert.Contains(stack.Upstream.Received, r => r.Body.Contains("after", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task OverRabbitMq_ARequestWithdrawnBeforeADispatcherStarted_IsNotRunByThatDispatcher()
    {
        await using var stack = await DistributedStack.CreateAsync();
        var (client, first) = await LeaveWhileQueuedAsync(stack, busyMs: 10_000);

        // A second dispatcher starts while the first is still busy: it never heard the withdrawal,
        // and the request left behind is the first thing on the queue it takes.
        using var second = await GatewayHosts.StartDispatcherAsync(stack.Shared(new() { ["METIS_API_TOKENS"] = BoundedKey }));
        await Eventually.Until(
            async () => await DispatchersAsync(client, "bounded-endpoint"),
            count => count == 2,
            TimeSpan.FromSeconds(10),
            what: "both dispatchers consuming the endpoint's queue");
        Assert.False(first.IsCompleted, "the first dispatcher must still be busy, so that only the second can take the request left behind");
        var after = await client.PostAsync("/v1/chat/completions", Chat("after", 0));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.DoesNotContain(stack.Upstream.Received, r => r.Body.Contains("left-while-queued", StringComparison.Ordinal));
        await second.StopAsync();
    }

    /// <summary>
    /// One dispatcher whose one slot is busy (3 s unless said) with the request "first"; a second request
    /// waits on the queue and its caller leaves. Returns the client and the first request's answer to come.
    /// </summary>
    private static async Task<(HttpClient Client, Task<HttpResponseMessage> First)> LeaveWhileQueuedAsync(DistributedStack stack, int busyMs = 3000)
    {
        stack.Manifest.Write(
            TestManifest.Entry("bounded", stack.Upstream.BaseUrl.ToString(), "bounded-endpoint", ["bounded-model"], maxConcurrency: 1),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = BoundedKey });
        await stack.StartIngressAsync();
        var client = await stack.ReadyClientAsync("bounded-model");
        stack.Upstream.Clear();

        var first = client.PostAsync("/v1/chat/completions", Chat("first", busyMs));
        await stack.Upstream.WaitForAsync(r => r.Body.Contains("first", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        using var leave = new CancellationTokenSource();
        var queued = client.PostAsync("/v1/chat/completions", Chat("left-while-queued", 1000), leave.Token);
        await Eventually.Until(
            async () => await QueueDepthAsync(client, "bounded-endpoint"),
            depth => depth >= 1,
            TimeSpan.FromSeconds(10),
            what: "the second request waiting on the endpoint's queue");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        return (client, first);
    }

    private static async Task<int> DispatchersAsync(HttpClient client, string endpointId)
    {
        var listing = await Json.ReadAsync(await client.GetAsync("/v1/endpoints"));
        return listing.GetProperty("data").EnumerateArray()
            .Single(e => e.GetProperty("endpoint_id").GetString() == endpointId).GetProperty("dispatchers").GetInt32();
    }

    private static async Task<long> QueueDepthAsync(HttpClient client, string endpointId)
    {
        using var response = await client.GetAsync("/resource_server/list-endpoints");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var entry in document.RootElement.GetProperty("data").EnumerateArray())
        {
            if (entry.GetProperty("endpoint_id").GetString() == endpointId && entry.GetProperty("queue_depth") is { ValueKind: JsonValueKind.Number } depth)
            {
                return depth.GetInt64();
            }
        }

        return 0;
    }
}
