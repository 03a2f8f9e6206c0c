using System.Net;
using BrokerGateway.FakeUpstream;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// The gateway's services as OS processes, as an operator runs them: ingresses (standalone, or over
/// the broker <see cref="BrokerUrl"/>), dispatchers and a manifest watcher, each started from its
/// build output with the settings the test gives. Every process is killed when the test ends; what
/// each wrote stays readable (<see cref="ServiceProcess.Output"/>) for assertions on the logs.
/// </summary>
public sealed class ProcessGateway : IDisposable
{
    private readonly List<ServiceProcess> _processes = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("bg-processes-").FullName;

    public ProcessGateway(string? brokerUrl, string manifestPath)
    {
        BrokerUrl = brokerUrl;
        ManifestPath = manifestPath;
    }

    public string? BrokerUrl { get; }

    public string ManifestPath { get; }

    /// <summary>The settings every process gets.</summary>
    public Dictionary<string, string> Shared(IReadOnlyDictionary<string, string>? extra = null)
    {
        var values = new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["Serilog__MinimumLevel__Default"] = "Information" };
        if (BrokerUrl is not null)
        {
            values["RABBITMQ_URL"] = BrokerUrl;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        return values;
    }

    public ServiceProcess StartWatcher(IReadOnlyDictionary<string, string>? extra = null) =>
        Add(ServiceProcess.Start("ManifestWatcher", Shared(Merge(new() { ["METIS_STATUS_URL"] = ManifestPath, ["METIS_POLL_SECONDS"] = "1" }, extra))));

    public ServiceProcess StartDispatcher(string apiTokens, IReadOnlyDictionary<string, string>? extra = null) =>
        Add(ServiceProcess.Start("Dispatcher", Shared(Merge(new() { ["METIS_API_TOKENS"] = apiTokens, ["METIS_POLL_SECONDS"] = "1" }, extra))));

    /// <summary>
    /// An ingress on a port of its own, with its own SQLite file: over the broker, <c>src/Ingress</c>;
    /// without one, <c>src/Standalone</c>, which also reads the manifest and holds <paramref name="apiTokens"/>.
    /// </summary>
    public RunningProcess StartIngress(IReadOnlyDictionary<string, string>? extra = null, string? apiTokens = null, int? port = null)
    {
        var listen = port ?? ServiceProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{listen}",
            ["Auth__Jwt__SigningKey"] = TestTokens.SigningKey,
            ["Auth__Jwt__Issuer"] = TestTokens.Issuer,
            ["Auth__Jwt__Audience"] = TestTokens.Audience,
            ["Usage__SqlitePath"] = Path.Combine(_folder, $"usage-{listen}.db"),
            ["METIS_STATUS_URL"] = ManifestPath,
            ["METIS_POLL_SECONDS"] = "1",
        };
        if (apiTokens is not null)
        {
            settings["METIS_API_TOKENS"] = apiTokens;
        }

        var process = Add(ServiceProcess.Start(BrokerUrl is null ? "Standalone" : "Ingress", Shared(Merge(settings, extra))));
        return new RunningProcess(process, new Uri($"http://127.0.0.1:{listen}"));
    }

    /// <summary>A client of an ingress with a token, allowed as many connections as a burst needs.</summary>
    public static HttpClient Client(Uri ingress, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = ingress,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue());
        return client;
    }

    /// <summary>Waits until a chat request for <paramref name="model"/> succeeds, failing early if a process exits.</summary>
    public async Task WaitUntilServingAsync(Uri ingress, string model, TimeSpan? timeout = null)
    {
        using var client = Client(ingress, TimeSpan.FromSeconds(10));
        await Eventually.Until(
            async () =>
            {
                AssertRunning();
                try
                {
                    return (await client.PostAsync("/v1/chat/completions", Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            },
            s => s == HttpStatusCode.OK,
            timeout: timeout ?? TimeSpan.FromSeconds(90),
            what: $"{ingress} serving {model}");
    }

    /// <summary>Fails with the output of any process that exited although the test did not stop it.</summary>
    public void AssertRunning(params ServiceProcess[] except)
    {
        foreach (var process in _processes.Where(p => p.HasExited && !except.Contains(p) && !p.StoppedOnPurpose))
        {
            Assert.Fail($"a service process exited: {process.Error}\n{process.Output}");
        }
    }

    /// <summary>Every line any process wrote, for assertions on the logs.</summary>
    public string AllOutput => string.Join("\n", _processes.Select(p => p.Output + p.Error));

    private ServiceProcess Add(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> values, IReadOnlyDictionary<string, string>? extra)
    {
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        return values;
    }

    public void Dispose()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            process.Dispose();
        }

        // For a look at what the services said: BROKERGATEWAY_TESTS_LOGS=/some/folder keeps each process's output there.
        if (Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_LOGS") is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            for (var i = 0; i < _processes.Count; i++)
            {
                File.WriteAllText(Path.Combine(logs, $"{Path.GetFileName(_folder)}-{i}-{_processes[i].Name}.log"), _processes[i].Output + _processes[i].Error);
            }
        }

        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A started ingress process and where it listens.</summary>
public sealed record RunningProcess(ServiceProcess Process, Uri Url);
