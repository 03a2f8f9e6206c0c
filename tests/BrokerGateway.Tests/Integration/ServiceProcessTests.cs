using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>The services as separate OS processes: bad configuration stops them at start; together over RabbitMQ they serve.</summary>
public class ServiceProcessTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Dispatcher_UnparseableApiTokens_StopsAtStartWithOneLineNamingTheKey()
    {
        using var dispatcher = ServiceProcess.Start("Dispatcher", new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = "amqp://guest:guest@127.0.0.1:5672/",
            ["METIS_API_TOKENS"] = """{"openai-production": "sk-live-secret-value" """,
        });

        Assert.Equal(2, await dispatcher.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(dispatcher.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: METIS_API_TOKENS:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live-secret-value", dispatcher.Error + dispatcher.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watcher_WithoutBroker_StopsAtStartNamingRabbitMqUrl()
    {
        using var watcher = ServiceProcess.Start("ManifestWatcher", new Dictionary<string, string>());

        Assert.Equal(2, await watcher.WaitForExitAsync(ExitTimeout));
        Assert.Contains("Configuration error: RABBITMQ_URL:", watcher.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standalone_OutsideDevelopmentWithoutAuthConfiguration_StopsAtStartNamingTheKey()
    {
        using var ingress = ServiceProcess.Start("Standalone", new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
        });

        Assert.Equal(2, await ingress.WaitForExitAsync(ExitTimeout));
        var line = Assert.Single(ingress.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: Auth:Jwt:SigningKey:", line, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Dispatcher_WhoseEndpointQueueExistsWithAnotherBound_StopsNamingTheKey()
    {
        await using var broker = await Broker.AcquireAsync();
        using var manifest = new TestManifest(TestManifest.Entry("fake", "http://127.0.0.1:9/v1", "bound-endpoint", ["fake-model"]));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        const string keys = """{"bound-endpoint": "sk-bound-key-0123456789"}""";
        var first = gateway.StartDispatcher(keys, new Dictionary<string, string> { ["RABBITMQ_QUEUE_MAX_LENGTH"] = "100" });
        await Eventually.Until(() => first.Output.Contains("Consuming the queue of endpoint bound-endpoint", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the first dispatcher consuming");

        var second = gateway.StartDispatcher(keys, new Dictionary<string, string> { ["RABBITMQ_QUEUE_MAX_LENGTH"] = "200" });

        Assert.Equal(2, await second.WaitForExitAsync(ExitTimeout));
        Assert.Contains("Configuration error: RABBITMQ_QUEUE_MAX_LENGTH: the queue bg-endpoint-bound-endpoint exists with another bound than 200", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-bound-key", second.Output + second.Error, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [SkippableFact]
    public async Task Dispatcher_WithFairShareOn_WhoseQueuesWereDeclaredWithoutPriorities_StopsNamingTheKey()
    {
        await using var broker = await Broker.AcquireAsync();
        using var manifest = new TestManifest(TestManifest.Entry("fake", "http://127.0.0.1:9/v1", "fair-endpoint", ["fake-model"]));
        using var gateway = new ProcessGateway(broker.AmqpUrl, manifest.Path);
        gateway.StartWatcher();
        const string keys = """{"fair-endpoint": "sk-fair-key-0123456789"}""";
        var first = gateway.StartDispatcher(keys, new Dictionary<string, string> { ["FairShare__Enabled"] = "false" });
        await Eventually.Until(() => first.Output.Contains("Consuming the queue of endpoint fair-endpoint", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the first dispatcher consuming");

        var second = gateway.StartDispatcher(keys, new Dictionary<string, string> { ["FairShare__Enabled"] = "true" });

        Assert.Equal(2, await second.WaitForExitAsync(ExitTimeout));
        Assert.Contains("Configuration error: FairShare:Enabled: the queue bg-endpoint-fair-endpoint exists without priorities, and this dispatcher would declare it as a priority queue", second.Output, StringComparison.Ordinal);
        Assert.Contains("rabbitmqctl delete_queue bg-endpoint-fair-endpoint", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-fair-key", second.Output + second.Error, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [SkippableFact]
    public async Task ThreeProcessesOverRabbitMq_AnswerLikeStandalone()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var upstream = await FakeUpstreamServer.StartAsync();
        using var manifest = new TestManifest(TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]));
        var port = ServiceProcess.FreePort();
        var shared = new Dictionary<string, string> { ["RABBITMQ_URL"] = broker.AmqpUrl, ["DOTNET_ENVIRONMENT"] = "Production" };

        using var watcher = ServiceProcess.Start("ManifestWatcher", new Dictionary<string, string>(shared) { ["METIS_STATUS_URL"] = manifest.Path });
        using var dispatcher = ServiceProcess.Start("Dispatcher", new Dictionary<string, string>(shared) { ["METIS_API_TOKENS"] = """{"fake-endpoint": "sk-process-key"}""" });
        using var ingress = ServiceProcess.Start("Ingress", new Dictionary<string, string>(shared)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Auth__Jwt__SigningKey"] = TestTokens.SigningKey,
            ["Auth__Jwt__Issuer"] = TestTokens.Issuer,
            ["Auth__Jwt__Audience"] = TestTokens.Audience,
            ["Usage__SqlitePath"] = Path.Combine(Path.GetDirectoryName(manifest.Path)!, "usage.db"),
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue());

        var status = await Eventually.Until(
            async () =>
            {
                Assert.False(ingress.HasExited || dispatcher.HasExited || watcher.HasExited, ingress.Error + dispatcher.Error + watcher.Error);
                try
                {
                    return (await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}"""))).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            },
            s => s == HttpStatusCode.OK,
            timeout: TimeSpan.FromSeconds(60),
            what: "three processes serve a chat completion");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer sk-process-key", upstream.Received[^1].Authorization);
        Assert.DoesNotContain("sk-process-key", dispatcher.Output + dispatcher.Error + ingress.Output + ingress.Error, StringComparison.Ordinal);
    }
}
