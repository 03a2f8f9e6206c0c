using BrokerGateway.FakeUpstream;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The gateway over a RabbitMQ cluster of three nodes of the test's own, every service its own OS
/// process with every node in <c>RABBITMQ_URL</c> and quorum queues: the node that leads the batch
/// queue is killed (SIGKILL) in the middle of a batch and of interactive load, and started again.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class BrokerClusterTests(ITestOutputHelper output)
{
    private const string Model = "cluster-model";
    private const int Lines = 400;

    private static string Chat(int index) =>
        $$$"""{"model":"{{{Model}}}","messages":[{"role":"user","content":"request {{{index}}}"}],"fake":{"delay_ms":50}}""";

    private static string Line(int index) =>
        $$$$"""{"custom_id":"line-{{{{index}}}}","method":"POST","url":"/v1/chat/completions","body":{"model":"{{{{Model}}}}","messages":[{"role":"user","content":"line {{{{index}}}}"}],"fake":{"delay_ms":100}}}""";

    [SkippableFact]
    public async Task TheNodeLeadingTheBatchQueueKilledMidBatch_TheBatchCompletesWithEveryLineOnce_CallersAreServed_AndTheNodeRejoins()
    {
        await using var cluster = await ClusterBroker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(TestManifest.Entry("cluster-endpoint", upstream.BaseUrl.ToString(), "cluster-endpoint", [Model]));
        using var gateway = new ProcessGateway(cluster.AmqpUrl, manifest.Path);
        var quorum = new Dictionary<string, string> { [BusOptions.QueueTypeKey] = BusOptions.QuorumQueues };
        const string Keys = """{"cluster-endpoint": "sk-cluster-key-0123456789"}""";
        gateway.StartWatcher();
        gateway.StartDispatcher(Keys, quorum);
        gateway.StartDispatcher(Keys, quorum);
        var ingress = gateway.StartIngress();
        await gateway.WaitUntilServingAsync(ingress.Url, Model);
        using var client = ProcessGateway.Client(ingress.Url);
        var batches = new BatchUser(client);

        await using var load = LoadRun.Start([ingress.Url], concurrency: 16, Chat);
        var batchId = await batches.StartAsync(Enumerable.Range(0, Lines).Select(Line));
        var batchQueue = QueueNames.ForEndpointBatch("cluster-endpoint");
        await Eventually.Until(
            async () => (await batches.GetAsync(batchId)).GetProperty("request_counts").GetProperty("completed").GetInt32(),
            completed => completed >= Lines / 5,
            timeout: TimeSpan.FromSeconds(120),
            what: "a fifth of the batch done");

        var leader = await cluster.LeaderOfAsync(batchQueue);
        await cluster.KillAsync(leader);
        var killedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"killed node {leader}, the batch queue's leader, at {killedAt:O}");

        // The load goes on until 2,000 requests sent after the kill have been answered. Those in flight
        // through the killed node when it went (at most the 16 callers') fail by design, 503
        // broker_unavailable: their answers had only that way back.
        var done = await batches.WaitForAsync(batchId, TimeSpan.FromSeconds(240), "completed", "failed", "expired", "cancelled");
        await Eventually.Until(() => load.Outcomes.Count(o => o.SentAt > killedAt) >= 2000, TimeSpan.FromSeconds(180), "2,000 requests answered after the kill");
        var outcomes = await load.StopAsync();

        // The batch: completed, every line exactly once across its output and error files.
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var lines = (await batches.LinesAsync(done, "output_file_id")).Concat(await batches.LinesAsync(done, "error_file_id")).ToList();
        var ids = lines.Select(l => l.GetProperty("custom_id").GetString()!).ToList();
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"line-{i}").Order(), ids.Order());

        // The callers: at least 99% served, none without an answer, and served again within 10 s of the kill.
        var served = outcomes.Count(o => o.Status == 200);
        output.WriteLine($"{outcomes.Summary()}; batch {done.GetProperty("request_counts")}");
        Assert.True(outcomes.All(o => o.Status != 0), outcomes.Summary());
        Assert.True(served >= 0.99 * outcomes.Count, outcomes.Summary());
        Assert.All(outcomes.Where(o => o.Status != 200), o => Assert.Equal((503, "broker_unavailable"), (o.Status, o.ErrorCode)));
        var firstAfter = outcomes.Where(o => o.Status == 200 && o.SentAt > killedAt).Min(o => (DateTimeOffset?)o.AnsweredAt);
        Assert.NotNull(firstAfter);
        var longestGap = Gaps(outcomes.Where(o => o.Status == 200 && o.AnsweredAt > killedAt.AddSeconds(-1)).Select(o => o.AnsweredAt).Order().Prepend(killedAt)).Max();
        output.WriteLine($"first answer sent after the kill at +{(firstAfter!.Value - killedAt).TotalSeconds:0.0} s; longest gap between answers {longestGap.TotalSeconds:0.0} s");
        Assert.True(longestGap <= TimeSpan.FromSeconds(10), $"no answer for {longestGap.TotalSeconds:0.0} s after the kill");

        // The node comes back and rejoins: the quorum queues have all three members online, and nothing is left in them.
        await cluster.StartAsync(leader);
        await Eventually.Until(
            async () => (await cluster.QueuesAsync()).Where(q => q.GetProperty("type").GetString() == "quorum").ToList(),
            queues => queues.Count == 2 && queues.All(q => q.GetProperty("online").GetArrayLength() == 3 && q.GetProperty("messages").GetInt32() == 0),
            timeout: TimeSpan.FromSeconds(60),
            what: "both endpoint queues with three members online and empty");
        gateway.AssertRunning();
    }

    private static IEnumerable<TimeSpan> Gaps(IEnumerable<DateTimeOffset> times) =>
        times.Zip(times.Skip(1), (earlier, later) => later - earlier);
}
