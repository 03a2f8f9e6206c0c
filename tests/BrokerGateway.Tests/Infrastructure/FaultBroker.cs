namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// The RabbitMQ node of the fault tests' own, which test.sh starts beside the main one (its own
/// node name and ports): a test may stop and start it under load without disturbing any other.
/// Each test gets a throwaway virtual host on it. Found through <c>BROKERGATEWAY_TESTS_FAULT_NODE</c>
/// and <c>BROKERGATEWAY_TESTS_FAULT_RABBITMQ_URL</c>; without them the test is skipped, or fails
/// under test.sh.
/// </summary>
public sealed class FaultBroker : IAsyncDisposable
{
    private readonly string _node;
    private readonly string _vhost;

    private FaultBroker(string node, string vhost, string amqpUrl)
    {
        _node = node;
        _vhost = vhost;
        AmqpUrl = amqpUrl;
    }

    public string AmqpUrl { get; }

    public static async Task<FaultBroker> AcquireAsync()
    {
        var node = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_FAULT_NODE");
        var url = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_FAULT_RABBITMQ_URL");
        if (string.IsNullOrEmpty(node) || string.IsNullOrEmpty(url))
        {
            const string reason = "no RabbitMQ node of the fault tests' own (BROKERGATEWAY_TESTS_FAULT_NODE); run ./test.sh, which starts one";
            if (Environment.GetEnvironmentVariable(Broker.RequireVariable) == "1")
            {
                throw new InvalidOperationException(reason);
            }

            Skip.If(true, reason);
        }

        var vhost = $"bgfault-{Guid.NewGuid():N}";
        await CtlAsync(node!, "add_vhost", vhost);
        await CtlAsync(node!, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
        return new FaultBroker(node!, vhost, new UriBuilder(url!) { Path = "/" + vhost }.Uri.ToString());
    }

    /// <summary>Stops the broker application (connections are closed, the node stays up to be started again).</summary>
    public Task StopAsync() => CtlAsync(_node, "stop_app");

    public Task StartAsync() => CtlAsync(_node, "start_app");

    public async ValueTask DisposeAsync()
    {
        await CtlAsync(_node, "start_app");
        await CtlAsync(_node, "delete_vhost", _vhost);
    }

    private static Task<string> CtlAsync(string node, params string[] arguments) => RootCommand.RunAsync("rabbitmqctl", ["-q", "-n", node, .. arguments]);
}
