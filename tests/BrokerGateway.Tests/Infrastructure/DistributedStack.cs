using BrokerGateway.FakeUpstream;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// A whole gateway over a real RabbitMQ (a throwaway virtual host): a manifest watcher, a
/// dispatcher and an ingress as separate hosts, and a fake upstream on loopback. The ingress holds
/// no upstream key; only the dispatcher does.
/// </summary>
public sealed class DistributedStack : IAsyncDisposable
{
    public const string UpstreamKey = "sk-distributed-test-key";

    private DistributedStack(Broker broker, FakeUpstreamServer upstream, TestManifest manifest)
    {
        Broker = broker;
        Upstream = upstream;
        Manifest = manifest;
    }

    public Broker Broker { get; }

    public FakeUpstreamServer Upstream { get; }

    public TestManifest Manifest { get; }

    public IHost? Watcher { get; private set; }

    public IHost? Dispatcher { get; private set; }

    public RunningIngress? Ingress { get; private set; }

    /// <summary>fake-model → a keyed fake upstream; keyless-model → one without key; dead-model → a closed port; mock-gpt → the built-in mock.</summary>
    public object[] DefaultEntries() =>
    [
        TestManifest.Entry("fake", Upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]),
        TestManifest.Entry("keyless", Upstream.BaseUrl.ToString(), "keyless-endpoint", ["keyless-model"]),
        TestManifest.Entry("dead", "http://127.0.0.1:1/v1", "dead-endpoint", ["dead-model"]),
        TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]),
    ];

    public static async Task<DistributedStack> CreateAsync()
    {
        var broker = await Broker.AcquireAsync();
        var upstream = await FakeUpstreamServer.StartAsync();
        var stack = new DistributedStack(broker, upstream, new TestManifest());
        stack.Manifest.Write(stack.DefaultEntries());
        return stack;
    }

    /// <summary>Watcher, dispatcher and ingress, in that order, each with the shared settings plus its own.</summary>
    public static async Task<DistributedStack> StartAsync(
        Dictionary<string, string?>? watcher = null,
        Dictionary<string, string?>? dispatcher = null,
        Dictionary<string, string?>? ingress = null)
    {
        var stack = await CreateAsync();
        await stack.StartWatcherAsync(watcher);
        await stack.StartDispatcherAsync(dispatcher);
        await stack.StartIngressAsync(ingress);
        return stack;
    }

    public Dictionary<string, string?> Shared(Dictionary<string, string?>? extra) =>
        Merge(new() { ["RABBITMQ_URL"] = Broker.AmqpUrl }, extra);

    public async Task StartWatcherAsync(Dictionary<string, string?>? extra = null) =>
        Watcher = await GatewayHosts.StartWatcherAsync(Shared(Merge(new() { ["METIS_STATUS_URL"] = Manifest.Path, ["METIS_POLL_SECONDS"] = "1" }, extra)));

    public async Task StartDispatcherAsync(Dictionary<string, string?>? extra = null) =>
        Dispatcher = await GatewayHosts.StartDispatcherAsync(Shared(Merge(
            new() { ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{UpstreamKey}}", "dead-endpoint": "{{UpstreamKey}}"}""" },
            extra)));

    public async Task StartIngressAsync(Dictionary<string, string?>? extra = null) =>
        Ingress = await GatewayHosts.StartIngressAsync(Shared(Merge(new(TestTokens.Configuration), extra)));

    public HttpClient Client() => Ingress!.CreateClient(TestTokens.Issue());

    /// <summary>Waits until a chat request for <paramref name="model"/> no longer gets a 503 (manifest and dispatcher known).</summary>
    public async Task<HttpClient> ReadyClientAsync(string model = "mock-gpt")
    {
        var client = Client();
        await Eventually.Until(
            async () => (int)(await client.PostAsync("/v1/chat/completions", Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode,
            status => status != 503,
            what: $"the ingress routes {model}");
        Upstream.Clear();
        return client;
    }

    /// <summary>Waits until <c>/v1/endpoints</c> shows <paramref name="endpoints"/> endpoints with a dispatcher consuming their queue.</summary>
    public static Task UntilConsumingAsync(HttpClient client, int endpoints) =>
        Eventually.Until(
            async () =>
            {
                var listing = await client.GetAsync("/v1/endpoints");
                return listing.IsSuccessStatusCode
                    ? (await Json.ReadAsync(listing)).GetProperty("data").EnumerateArray().Count(e => e.GetProperty("dispatcher_consuming").GetBoolean())
                    : 0;
            },
            consuming => consuming == endpoints,
            what: $"{endpoints} endpoints consumed by a dispatcher");

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> values, Dictionary<string, string?>? extra)
    {
        foreach (var (key, value) in extra ?? [])
        {
            values[key] = value;
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (Ingress is not null)
        {
            await Ingress.DisposeAsync();
        }

        await HostExtensions.StopAllAsync(Watcher, Dispatcher);
        await Upstream.DisposeAsync();
        await Broker.DisposeAsync();
        Manifest.Dispose();
    }
}
