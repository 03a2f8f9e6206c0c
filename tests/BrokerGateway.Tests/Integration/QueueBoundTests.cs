using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// An endpoint whose dispatcher takes 4 requests at a time (<c>max_concurrency</c>) and whose queue
/// holds at most 10 waiting ones (<c>RABBITMQ_QUEUE_MAX_LENGTH</c>): a burst of 40 slow requests
/// fills both, and the rest are refused at once with 503 <c>queue_full</c> and <c>Retry-After</c>,
/// not after a timeout. Those that waited say how long in <c>x-gateway-queue-ms</c>.
/// </summary>
public class QueueBoundTests
{
    private const string Slow = """{"model":"bounded-model","messages":[{"role":"user","content":"slow"}],"fake":{"delay_ms":1500}}""";

    private static async Task<List<(HttpStatusCode Status, string? Code, TimeSpan Took, double? QueueMs, string? RetryAfter)>> BurstAsync(HttpClient client, int count)
    {
        var calls = Enumerable.Range(0, count).Select(async _ =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var response = await client.PostAsync("/v1/chat/completions", Json.Body(Slow));
            var code = response.IsSuccessStatusCode ? null : await Json.ErrorCodeAsync(response);
            var queued = response.Headers.TryGetValues("x-gateway-queue-ms", out var q) ? double.Parse(q.Single(), System.Globalization.CultureInfo.InvariantCulture) : (double?)null;
            return (response.StatusCode, code, clock.Elapsed, queued, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        return [.. await Task.WhenAll(calls)];
    }

    [SkippableFact]
    public async Task OverRabbitMq_ABurstPastTheQueuesBound_IsRefusedAtOnceWithQueueFull()
    {
        await using var stack = await DistributedStack.CreateAsync();
        stack.Manifest.Write(
            TestManifest.Entry("bounded", stack.Upstream.BaseUrl.ToString(), "bounded-endpoint", ["bounded-model"], maxConcurrency: 4),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"bounded-endpoint": "sk-bounded-key-0123456789"}""", ["RABBITMQ_QUEUE_MAX_LENGTH"] = "10" });
        await stack.StartIngressAsync();
        var client = await stack.ReadyClientAsync("bounded-model");

        var answers = await BurstAsync(client, 40);

        var served = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.Equal(14, served.Count);
        Assert.All(refused, a => Assert.Equal((HttpStatusCode.ServiceUnavailable, "queue_full", "2"), (a.Status, a.Code, a.RetryAfter)));
        Assert.All(refused, a => Assert.True(a.Took < TimeSpan.FromSeconds(1.5), $"a refusal took {a.Took.TotalSeconds:0.00} s"));

        // Four ran at once; ten waited a turn of 1.5 s or two, and said so.
        Assert.Equal(10, served.Count(a => a.QueueMs >= 1000));
        Assert.All(served, a => Assert.NotNull(a.QueueMs));
    }

    [Fact]
    public async Task Standalone_ABurstPastTheQueuesBound_IsRefusedAtOnceWithQueueFull()
    {
        await using var factory = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["RABBITMQ_QUEUE_MAX_LENGTH"] = "10",
            ["METIS_API_TOKENS"] = """{"bounded-endpoint": "sk-bounded-key-0123456789"}""",
        });
        factory.Manifest.Write(
            TestManifest.Entry("bounded", factory.Upstream.BaseUrl.ToString(), "bounded-endpoint", ["bounded-model"], maxConcurrency: 4),
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        var client = await factory.CreateReadyClientAsync();
        await Eventually.Until(
            async () => (await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"bounded-model","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode,
            s => s == HttpStatusCode.OK,
            what: "the bounded endpoint routed");

        var answers = await BurstAsync(client, 40);

        // Standalone the ingress counts what no dispatcher has acknowledged yet (within 50 ms of taking it).
        var served = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.InRange(served.Count, 10, 14);
        Assert.All(refused, a => Assert.Equal((HttpStatusCode.ServiceUnavailable, "queue_full"), (a.Status, a.Code)));
        Assert.All(refused, a => Assert.True(a.Took < TimeSpan.FromSeconds(1.5), $"a refusal took {a.Took.TotalSeconds:0.00} s"));
        Assert.Contains(served, a => a.QueueMs >= 1000);
    }
}
