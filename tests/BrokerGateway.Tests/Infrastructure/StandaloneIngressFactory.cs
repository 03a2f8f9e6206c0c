using System.ClientModel;
using System.ClientModel.Primitives;
using BrokerGateway.FakeUpstream;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// The ingress as <c>dotnet run --project src/Ingress</c> starts it — standalone, with dispatcher
/// and watcher in-process on the in-memory bus — under <see cref="WebApplicationFactory{TEntryPoint}"/>.
/// Its manifest has the built-in mock, a keyed fake upstream on loopback, and an Offline entry.
/// </summary>
public sealed class StandaloneIngressFactory : WebApplicationFactory<BrokerGateway.Standalone.Program>
{
    public const string UpstreamKey = "sk-standalone-test-key";
    private readonly Dictionary<string, string?> _settings;

    private StandaloneIngressFactory(TestManifest manifest, FakeUpstreamServer upstream, Dictionary<string, string?> settings)
    {
        Manifest = manifest;
        Upstream = upstream;
        _settings = settings;
    }

    public TestManifest Manifest { get; }

    /// <summary>The SQLite file the ingress writes its usage records to (beside the manifest, removed with it).</summary>
    public string UsagePath => _settings["Usage:SqlitePath"]!;

    public FakeUpstreamServer Upstream { get; }

    public static async Task<StandaloneIngressFactory> CreateAsync(Dictionary<string, string?>? extra = null, params object[] moreEntries)
    {
        var upstream = await FakeUpstreamServer.StartAsync();
        var manifest = new TestManifest(
        [
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt", "mock-embedding"]),
            TestManifest.Entry("fake", upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]),
            TestManifest.Entry("offline", "http://127.0.0.1:9/v1", "offline-endpoint", ["offline-model"], status: "Offline"),
            .. moreEntries,
        ]);
        var settings = new Dictionary<string, string?>(TestTokens.Configuration)
        {
            ["RABBITMQ_URL"] = string.Empty,
            ["METIS_STATUS_URL"] = manifest.Path,
            ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{UpstreamKey}}"}""",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Usage:SqlitePath"] = Path.Combine(Path.GetDirectoryName(manifest.Path)!, "usage.db"),
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return new StandaloneIngressFactory(manifest, upstream, settings);
    }

    public HttpClient CreateClient(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    /// <summary>The OpenAI .NET SDK's chat client for <paramref name="model"/>, talking to this gateway with a caller's token.</summary>
    public ChatClient ChatClient(string model) =>
        new(model, new ApiKeyCredential(TestTokens.Issue()), new OpenAIClientOptions
        {
            Endpoint = new Uri(Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(CreateClient()),
        });

    /// <summary>The OpenAI .NET SDK's Responses client, talking to this gateway as <paramref name="subject"/>.</summary>
    public ResponsesClient ResponsesClient(string subject = "alice") =>
        new OpenAIClient(new ApiKeyCredential(TestTokens.Issue(subject)), new OpenAIClientOptions
        {
            Endpoint = new Uri(Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(CreateClient()),
        }).GetResponsesClient();

    /// <summary>Waits until the in-process watcher and dispatcher are up and the mock answers.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        var client = CreateClient(TestTokens.Issue());
        await Eventually.Until(
            async () => (int)(await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode,
            status => status == 200,
            what: "standalone ingress serves the mock");
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Upstream.DisposeAsync();
        Manifest.Dispose();
    }
}
