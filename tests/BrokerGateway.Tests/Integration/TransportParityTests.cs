using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>The same requests give the same answers standalone (in-memory bus) and split over RabbitMQ.</summary>
public class TransportParityTests
{
    private sealed record Gateway(HttpClient Client, FakeUpstreamServer Upstream, string Key, IAsyncDisposable Owner);

    private static async Task<Gateway> StartAsync(string transport)
    {
        if (transport == "rabbitmq")
        {
            var stack = await DistributedStack.StartAsync();
            return new Gateway(await stack.ReadyClientAsync("fake-model"), stack.Upstream, DistributedStack.UpstreamKey, stack);
        }

        var standalone = await StandaloneStack.StartAsync();
        return new Gateway(await standalone.ReadyClientAsync(), standalone.Upstream, StandaloneStack.Key, standalone);
    }

    [SkippableTheory]
    [InlineData("rabbitmq")]
    [InlineData("in-memory")]
    public async Task SameRequests_SameAnswers(string transport)
    {
        var gateway = await StartAsync(transport);
        await using var _ = gateway.Owner;
        var client = gateway.Client;
        const string body = """{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"unknown":[1,{"a":null}]}""";

        var ok = await client.PostAsync("/v1/chat/completions", Json.Body(body));
        var failed = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"x"}],"fake":{"status":500}}"""));
        var keyless = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"keyless-model","messages":[{"role":"user","content":"x"}]}"""));
        var unknown = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"nope","messages":[{"role":"user","content":"x"}]}"""));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, keyless.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var received = gateway.Upstream.Received;
        Assert.Equal(2, received.Count);
        Assert.Equal(body, received[0].Body);
        Assert.All(received, r => Assert.Equal($"Bearer {gateway.Key}", r.Authorization));
    }

    /// <summary>The standalone ingress (dispatcher and watcher in-process) on a real loopback port.</summary>
    private sealed class StandaloneStack : IAsyncDisposable
    {
        public const string Key = "sk-standalone-parity";
        private readonly TestManifest _manifest;
        private readonly RunningIngress _ingress;

        private StandaloneStack(FakeUpstreamServer upstream, TestManifest manifest, RunningIngress ingress)
        {
            Upstream = upstream;
            _manifest = manifest;
            _ingress = ingress;
        }

        public FakeUpstreamServer Upstream { get; }

        public static async Task<StandaloneStack> StartAsync()
        {
            var upstream = await FakeUpstreamServer.StartAsync();
            var manifest = new TestManifest(
                TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]),
                TestManifest.Entry("keyless", upstream.BaseUrl.ToString(), "keyless-endpoint", ["keyless-model"]));
            var ingress = await GatewayHosts.StartIngressAsync(new Dictionary<string, string?>(TestTokens.Configuration)
            {
                ["RABBITMQ_URL"] = string.Empty,
                ["METIS_STATUS_URL"] = manifest.Path,
                ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{Key}}"}""",
            });
            return new StandaloneStack(upstream, manifest, ingress);
        }

        public async Task<HttpClient> ReadyClientAsync()
        {
            var client = _ingress.CreateClient(TestTokens.Issue());
            await Eventually.Until(
                async () => (int)(await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode,
                status => status != 503,
                what: "standalone ingress routes fake-model");
            Upstream.Clear();
            return client;
        }

        public async ValueTask DisposeAsync()
        {
            await _ingress.DisposeAsync();
            await Upstream.DisposeAsync();
            _manifest.Dispose();
        }
    }
}
