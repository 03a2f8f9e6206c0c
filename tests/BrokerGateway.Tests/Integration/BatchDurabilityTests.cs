using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// Batches over a real RabbitMQ with the ingress and the dispatcher as OS processes, killed
/// (SIGKILL) mid-batch and started again: the batch still completes, and every custom_id appears
/// exactly once across the output and error files.
/// </summary>
public sealed class BatchDurabilityTests
{
    private const int Lines = 1200;

    private sealed class Processes(Broker broker, FakeUpstreamServer upstream, TestManifest manifest, string folder) : IAsyncDisposable
    {
        public ServiceProcess? Watcher { get; set; }

        public ServiceProcess? Dispatcher { get; set; }

        public ServiceProcess? Ingress { get; set; }

        public FakeUpstreamServer Upstream => upstream;

        public Dictionary<string, string> Shared => new() { ["RABBITMQ_URL"] = broker.AmqpUrl, ["DOTNET_ENVIRONMENT"] = "Production", ["Serilog__MinimumLevel__Default"] = "Warning" };

        public void StartWatcher() =>
            Watcher = ServiceProcess.Start("ManifestWatcher", new Dictionary<string, string>(Shared) { ["METIS_STATUS_URL"] = manifest.Path, ["METIS_POLL_SECONDS"] = "1" });

        public void StartDispatcher() =>
            Dispatcher = ServiceProcess.Start("Dispatcher", new Dictionary<string, string>(Shared) { ["METIS_API_TOKENS"] = """{"fake-endpoint": "sk-batch-key"}""" });

        /// <summary>Starts an ingress on the batch database and returns a client for it once it answers.</summary>
        public async Task<HttpClient> StartIngressAsync()
        {
            var port = ServiceProcess.FreePort();
            Ingress = ServiceProcess.Start("Ingress", new Dictionary<string, string>(Shared)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Auth__Jwt__SigningKey"] = TestTokens.SigningKey,
                ["Auth__Jwt__Issuer"] = TestTokens.Issuer,
                ["Auth__Jwt__Audience"] = TestTokens.Audience,
                ["Usage__SqlitePath"] = Path.Combine(folder, "gateway.db"),
                ["Batches__LeaseSeconds"] = "5",
                ["Routing__AttemptTimeoutSeconds"] = "3",
            });
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue("batch-owner"));
            await Eventually.Until(
                async () =>
                {
                    Assert.False(Ingress.HasExited, Ingress.Error);
                    try
                    {
                        return (await client.GetAsync("/health")).StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return HttpStatusCode.ServiceUnavailable;
                    }
                },
                s => s == HttpStatusCode.OK,
                timeout: TimeSpan.FromSeconds(60),
                what: "the ingress answering");
            return client;
        }

        public async ValueTask DisposeAsync()
        {
            Ingress?.Dispose();
            Dispatcher?.Dispose();
            Watcher?.Dispose();
            manifest.Dispose();
            await upstream.DisposeAsync();
            await broker.DisposeAsync();
        }
    }

    private static async Task<Processes> StartAsync()
    {
        var broker = await Broker.AcquireAsync();
        var upstream = await FakeUpstreamServer.StartAsync();

        // Slow enough that a kill lands mid-batch.
        upstream.Behavior = new FakeBehavior(Delay: TimeSpan.FromMilliseconds(40));
        var manifest = new TestManifest(TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]));
        var processes = new Processes(broker, upstream, manifest, Path.GetDirectoryName(manifest.Path)!);
        processes.StartWatcher();
        processes.StartDispatcher();
        return processes;
    }

    /// <summary>The input: every tenth line asks the fake upstream for a 400, which belongs in the error file.</summary>
    private static IEnumerable<string> Input() => Enumerable.Range(0, Lines).Select(i => i % 10 == 0
        ? "{\"custom_id\":\"line-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"fake-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"fake\":{\"status\":400}}}"
        : BatchUser.Line($"line-{i}", model: "fake-model"));

    private static async Task<string> StartBatchAsync(BatchUser batches) =>
        await Eventually.Until(
            async () =>
            {
                var response = await batches.CreateAsync(await batches.UploadAsync(Input()));
                return response.StatusCode == HttpStatusCode.OK ? (await Json.ReadAsync(response)).GetProperty("id").GetString() : null;
            },
            id => id is not null,
            what: "a batch created") ?? throw new InvalidOperationException();

    private static async Task AssertEveryCustomIdOnceAsync(BatchUser batches, JsonElement done)
    {
        var output = await batches.LinesAsync(done, "output_file_id");
        var errors = await batches.LinesAsync(done, "error_file_id");
        var ids = output.Concat(errors).Select(l => l.GetProperty("custom_id").GetString()!).ToList();

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(Lines, ids.Count);
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"line-{i}").Order(), ids.Order());
        Assert.All(output, l => Assert.Equal(200, l.GetProperty("response").GetProperty("status_code").GetInt32()));
        Assert.All(errors, l => Assert.Equal(400, l.GetProperty("response").GetProperty("status_code").GetInt32()));
        Assert.Equal(Lines / 10, errors.Count);
        Assert.Equal((Lines, Lines - (Lines / 10), Lines / 10),
            (done.GetProperty("request_counts").GetProperty("total").GetInt32(), done.GetProperty("request_counts").GetProperty("completed").GetInt32(), done.GetProperty("request_counts").GetProperty("failed").GetInt32()));
    }

    private static Task<JsonElement> WaitForProgressAsync(BatchUser batches, string id) =>
        Eventually.Until(() => batches.GetAsync(id), b => b.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 100, TimeSpan.FromSeconds(60), "some lines done");

    [SkippableFact]
    public async Task KillingTheIngressMidBatch_AnotherFinishesIt_AndEveryCustomIdAppearsOnce()
    {
        await using var processes = await StartAsync();
        var batches = new BatchUser(await processes.StartIngressAsync());
        var id = await StartBatchAsync(batches);
        var before = await WaitForProgressAsync(batches, id);

        processes.Ingress!.Dispose();
        var again = new BatchUser(await processes.StartIngressAsync());
        var done = await again.WaitForAsync(id, TimeSpan.FromSeconds(180), "completed", "failed", "expired");

        Assert.True(before.GetProperty("request_counts").GetProperty("completed").GetInt32() < Lines, "the kill came mid-batch");
        await AssertEveryCustomIdOnceAsync(again, done);
    }

    [SkippableFact]
    public async Task KillingTheDispatcherMidBatch_TheBatchCompletesOnceOneRunsAgain_AndEveryCustomIdAppearsOnce()
    {
        await using var processes = await StartAsync();
        var batches = new BatchUser(await processes.StartIngressAsync());
        var id = await StartBatchAsync(batches);
        var before = await WaitForProgressAsync(batches, id);

        processes.Dispatcher!.Dispose();
        processes.StartDispatcher();
        var done = await batches.WaitForAsync(id, TimeSpan.FromSeconds(180), "completed", "failed", "expired");

        Assert.True(before.GetProperty("request_counts").GetProperty("completed").GetInt32() < Lines, "the kill came mid-batch");
        await AssertEveryCustomIdOnceAsync(batches, done);
    }
}
