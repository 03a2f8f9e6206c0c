using System.Net;
using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// A request waits on a busy endpoint's queue; its caller leaves before a dispatcher takes it. The
/// message stays on the queue until its deadline, so the ingress withdraws it: the dispatcher that
/// takes it later drops it, and the upstream never sees a request nobody reads.
/// </summary>
public class WithdrawalTests
{
    private static StringContent Chat(string content, int delayMs) =>
        Json.Body($$$"""{"model":"bounded-model","messages":[{"role":"user","content":"{{{content}}}"}],"fake":{"delay_ms":{{{delayMs}}}}}""");

    [SkippableFact]
    public async Task OverRabbitMq_ARequestWhoseCallerLeftWhileItWasQueued_NeverReachesTheUpstream()
    {
        await using var stack = await DistributedStack.CreateAsync();
        stack.Manifest.Write(
            TestManifest.Entry("bounded", stack.Upstream.BaseUrl.ToString(), "bounded-endpoint", ["bounded-model"], maxConcurrency: 1),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"bounded-endpoint": "sk-bounded-key-0123456789"}""" });
        await stack.StartIngressAsync();
        var client = await stack.ReadyClientAsync("bounded-model");
        stack.Upstream.Clear();

        // The dispatcher's one slot is busy for 3 s; the second request waits on the queue.
        var first = client.PostAsync("/v1/chat/completions", Chat("first", 3000));
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

        // A request sent after it is taken after it: once that one is answered, the one left behind was dropped.
        var after = await client.PostAsync("/v1/chat/completions", Chat("after", 0));
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain(stack.Upstream.Received, r => r.Body.Contains("left-while-queued", StringComparison.Ordinal));
        Assert.Contains(stack.Upstream.Received, r => r.Body.Contains("after", StringComparison.Ordinal));
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
