using BrokerGateway.FakeUpstream;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// <c>RABBITMQ_URL</c> naming several nodes, and quorum batch queues, over a real RabbitMQ: every
/// service connects to the node that answers when the first named does not, and requests and a
/// batch run through quorum queues.
/// </summary>
public sealed class BrokerClusterUrlTests
{
    [SkippableFact]
    public async Task SeveralNodesNamed_TheFirstDown_EveryServiceUsesTheOneThatAnswers_AndRequestsAndABatchRunThroughQuorumQueues()
    {
        await using var stack = await DistributedStack.CreateAsync();
        var live = new Uri(stack.Broker.AmqpUrl);
        var down = new UriBuilder(live) { Port = ServiceProcess.FreePort() }.Uri;
        var cluster = new Dictionary<string, string?>
        {
            [BusOptions.RabbitMqUrlKey] = $"{down},amqp://{live.Host}:{live.Port}",
            [BusOptions.QueueTypeKey] = "quorum",
        };
        await stack.StartWatcherAsync(cluster);
        await stack.StartDispatcherAsync(cluster);
        await stack.StartIngressAsync(cluster);
        var client = await stack.ReadyClientAsync("fake-model");

        var batches = new BatchUser(client);
        var id = await batches.StartAsync(Enumerable.Range(0, 20).Select(i => BatchUser.Line($"line-{i}", model: "fake-model")));
        var done = await batches.WaitForAsync(id, TimeSpan.FromSeconds(60), "completed", "failed");

        Assert.Equal("completed", done.GetProperty("status").GetString());
        var output = await batches.LinesAsync(done, "output_file_id");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"line-{i}").Order(), output.Select(l => l.GetProperty("custom_id").GetString()!).Order());
        var queue = await stack.Broker.QueueAsync(QueueNames.ForEndpointBatch("fake-endpoint"));
        Assert.Equal("quorum", queue.GetProperty("type").GetString());
        Assert.Equal("quorum", (await stack.Broker.QueueAsync(QueueNames.ForEndpoint("fake-endpoint"))).GetProperty("type").GetString());
    }
}
