using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace BrokerGateway.Bench;

/// <summary>
/// A burst of slow requests, as a class of students or a job array starting at once: <c>callers</c>
/// clients start together and each sends <c>requestsEach</c> requests one after the other, against an
/// upstream that takes seconds per answer. Each caller has a connection of its own, as separate
/// clients do.
/// </summary>
public sealed class BurstProbe : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 8192,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(300),
    };

    /// <summary>A chat request; <paramref name="delayMs"/> overrides the upstream's own delay (0 for warming up quickly).</summary>
    public static string Body(int? delayMs = null) =>
        delayMs is { } delay
            ? $$$"""{"model":"bench-model","messages":[{"role":"user","content":"Hello from the burst"}],"max_tokens":16,"fake":{"delay_ms":{{{delay}}}}}"""
            : """{"model":"bench-model","messages":[{"role":"user","content":"Hello from the burst"}],"max_tokens":16}""";

    public async Task<LoadResult> RunAsync(Uri url, string? token, int callers, int requestsEach, string body)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        var latencies = new double[callers * requestsEach];
        var failures = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var workers = Enumerable.Range(0, callers).Select(async caller =>
        {
            await start.Task;
            for (var i = 0; i < requestsEach; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[(caller * requestsEach) + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }).ToArray();
        clock.Start();
        start.SetResult();
        await Task.WhenAll(workers);
        clock.Stop();
        return LoadResult.From(latencies, failures, clock.Elapsed);
    }

    public void Dispose() => _client.Dispose();
}
