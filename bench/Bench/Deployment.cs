using System.Net.Http.Headers;
using System.Text;
using BrokerGateway.FakeUpstream;

namespace BrokerGateway.Bench;

/// <summary>The processes of one benchmarked set-up, and where to send requests.</summary>
public sealed class Deployment : IDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    public Deployment(string mode)
    {
        Mode = mode;
    }

    public string Mode { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>The gateway's processes (not the fake upstream), whose memory the table reports.</summary>
    public IReadOnlyList<ServiceProcess> Gateway => _processes;

    /// <summary>The CPU time the gateway's processes have used so far.</summary>
    public TimeSpan ProcessorTime => _processes.Aggregate(TimeSpan.Zero, (sum, process) => sum + process.ProcessorTime);

    public static async Task<Deployment> DirectAsync(Uri upstream)
    {
        var deployment = new Deployment("(a) fake upstream, direct") { Url = new Uri(upstream, "v1/chat/completions") };
        return await Task.FromResult(deployment);
    }

    /// <summary>Headers every request to this set-up needs besides the bearer token.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; private init; } = new Dictionary<string, string>();

    /// <summary>The fake Anthropic upstream called directly, in its own dialect: the benchmark's body is a valid Messages request (it names max_tokens).</summary>
    public static async Task<Deployment> DirectAnthropicAsync(Uri upstream, string events)
    {
        var deployment = new Deployment("(i) fake Anthropic upstream, direct")
        {
            Url = new Uri(upstream, "v1/messages"),
            Headers = new Dictionary<string, string> { ["x-api-key"] = "sk-ant-bench", ["anthropic-version"] = "2023-06-01", [FakeAnthropicServer.EventsHeader] = events },
        };
        return await Task.FromResult(deployment);
    }

    public static Task<Deployment> StandaloneAsync(Dictionary<string, string> ingress, int port) =>
        StandaloneAsync("(b) gateway standalone", ingress, port);

    public static async Task<Deployment> StandaloneAsync(string name, Dictionary<string, string> ingress, int port)
    {
        var deployment = new Deployment(name);
        deployment.Start("Standalone", ingress);
        deployment.Url = new Uri($"http://127.0.0.1:{port}/v1/chat/completions");
        return await Task.FromResult(deployment);
    }

    public static async Task<Deployment> DistributedAsync(string name, Dictionary<string, string> watcher, Dictionary<string, string> dispatcher, Dictionary<string, string> ingress, int port)
    {
        var deployment = new Deployment(name);
        deployment.Start("ManifestWatcher", watcher);
        deployment.Start("Dispatcher", dispatcher);
        deployment.Start("Ingress", ingress);
        deployment.Url = new Uri($"http://127.0.0.1:{port}/v1/chat/completions");
        return await Task.FromResult(deployment);
    }

    /// <summary>Waits until a request succeeds, failing if a process exits or a minute passes.</summary>
    public async Task WaitUntilReadyAsync(string body, string? token)
    {
        using var client = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } exited)
            {
                throw new InvalidOperationException($"{Mode}: a process exited: {exited.Error}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                foreach (var (name, value) in Headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                using var response = await client.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Mode} did not become ready");
            }

            await Task.Delay(200);
        }
    }

    private void Start(string project, Dictionary<string, string> environment) =>
        _processes.Add(ServiceProcess.Start(project, environment));

    public void Dispose()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            process.Dispose();
        }
    }
}
