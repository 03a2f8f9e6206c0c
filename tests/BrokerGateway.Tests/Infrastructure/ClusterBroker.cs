using System.Text.Json;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// The RabbitMQ cluster of the cluster test's own: three nodes that test.sh starts and joins beside
/// the others (scripts/rabbitmq-cluster.sh), which a test may kill and start again. Each test gets a
/// throwaway virtual host. Found through <c>BROKERGATEWAY_TESTS_CLUSTER_NODES</c> and
/// <c>BROKERGATEWAY_TESTS_CLUSTER_RABBITMQ_URL</c>; without them the test is skipped, or fails under
/// test.sh.
/// </summary>
public sealed class ClusterBroker : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _nodes;
    private readonly string _vhost;

    private ClusterBroker(IReadOnlyList<string> nodes, string vhost, string amqpUrl)
    {
        _nodes = nodes;
        _vhost = vhost;
        AmqpUrl = amqpUrl;
    }

    /// <summary><c>RABBITMQ_URL</c> naming every node, on this test's virtual host.</summary>
    public string AmqpUrl { get; }

    public static async Task<ClusterBroker> AcquireAsync()
    {
        var nodes = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_CLUSTER_NODES");
        var url = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_CLUSTER_RABBITMQ_URL");
        if (string.IsNullOrEmpty(nodes) || string.IsNullOrEmpty(url))
        {
            const string reason = "no RabbitMQ cluster of the cluster test's own (BROKERGATEWAY_TESTS_CLUSTER_NODES); run ./test.sh, which starts one";
            if (Environment.GetEnvironmentVariable(Broker.RequireVariable) == "1")
            {
                throw new InvalidOperationException(reason);
            }

            Skip.If(true, reason);
        }

        var names = nodes!.Split(',');
        var vhost = $"bgcluster-{Guid.NewGuid():N}";
        await CtlAsync(names[0], "add_vhost", vhost);
        await CtlAsync(names[0], "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");

        // The first URL carries the credentials and the virtual host; the others name only a node.
        var urls = url!.Split(',');
        urls[0] = new UriBuilder(urls[0]) { Path = "/" + vhost }.Uri.ToString().TrimEnd('/');
        return new ClusterBroker(names, vhost, string.Join(',', urls));
    }

    /// <summary>The number (1 to 3) of the node that leads the quorum queue.</summary>
    public async Task<int> LeaderOfAsync(string queue)
    {
        var leader = (await QueuesAsync()).Single(q => q.GetProperty("name").GetString() == queue).GetProperty("leader").GetString();
        var number = _nodes.ToList().IndexOf(leader!) + 1;
        return number > 0 ? number : throw new InvalidOperationException($"the leader of {queue}, {leader}, is none of the cluster's nodes ({string.Join(", ", _nodes)})");
    }

    /// <summary>Each queue of this test's virtual host: name, type, leader, members online, messages.</summary>
    public async Task<IReadOnlyList<JsonElement>> QueuesAsync()
    {
        for (var i = 0; ; i++)
        {
            try
            {
                var json = await CtlAsync(_nodes[i], "list_queues", "-p", _vhost, "name", "type", "leader", "online", "messages", "--formatter", "json");
                return [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
            }
            catch (InvalidOperationException) when (i < _nodes.Count - 1)
            {
                // That node is down: ask the next.
            }
        }
    }

    /// <summary>SIGKILLs node <paramref name="number"/>'s Erlang VM, as a machine that dies would.</summary>
    public Task KillAsync(int number)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, _nodes.Count);
        return NodeScriptAsync("kill", number);
    }

    /// <summary>Starts node <paramref name="number"/> again and waits until it runs (it rejoins the cluster by itself).</summary>
    public async Task StartAsync(int number)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, _nodes.Count);
        await NodeScriptAsync("start", number);
        await NodeScriptAsync("await", number);
    }

    public async ValueTask DisposeAsync()
    {
        for (var number = 1; number <= _nodes.Count; number++)
        {
            if (!await RunsAsync(number))
            {
                await StartAsync(number);
            }
        }

        await CtlAsync(_nodes[0], "delete_vhost", _vhost);
    }

    private async Task<bool> RunsAsync(int number)
    {
        try
        {
            await CtlAsync(_nodes[number - 1], "status");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static Task<string> NodeScriptAsync(string action, int number) =>
        RootCommand.RunAsync(Path.Combine(Repository.Root, "scripts", "rabbitmq-cluster-node.sh"), action, number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Task<string> CtlAsync(string node, params string[] arguments) => RootCommand.RunAsync("rabbitmqctl", ["-q", "-n", node, .. arguments]);
}
