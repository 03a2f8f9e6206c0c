using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace BrokerGateway.Bench;

/// <summary>A closed-loop load generator: <c>concurrency</c> workers send a fixed number of POSTs, one at a time each.</summary>
public sealed class LoadGenerator : IDisposable
{
    /// <summary>Headers sent with every request besides the bearer token (an upstream called directly in its own dialect wants its own).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>();

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1024,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(120),
    };

    /// <summary>
    /// Load for a while without measuring, so that the services reach their steady state first: on
    /// a busy 2-core machine the JIT needs tens of seconds to move the hot paths to optimised code,
    /// and until then a service spends up to three times the CPU per request.
    /// </summary>
    public async Task WarmUpAsync(Uri url, string body, string? token, int concurrency, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            await RunAsync(url, body, token, concurrency, 1000);
        }
    }

    public async Task<LoadResult> RunAsync(Uri url, string body, string? token, int concurrency, int requests)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        var latencies = new double[requests];
        var next = -1;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= requests)
                {
                    return;
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                foreach (var (name, value) in Headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();
        return LoadResult.From(latencies, failures, clock.Elapsed);
    }

    public void Dispose() => _client.Dispose();
}
