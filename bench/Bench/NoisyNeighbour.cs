using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace BrokerGateway.Bench;

/// <summary>
/// The noisy neighbour (fair share): accounts sending to one endpoint of limited capacity at once,
/// each with its own token and a closed loop at its own concurrency, for a fixed time. Each
/// account's requests are measured apart: how many completed, and their latencies.
/// </summary>
public sealed class NoisyNeighbour : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1024,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(300),
    };

    /// <summary>One account's callers: its name, a token of a member, and how many requests it keeps in flight.</summary>
    public sealed record Caller(string Account, string Token, int Concurrency);

    /// <summary>A chat request that the upstream answers after <paramref name="delayMs"/>.</summary>
    public static string Body(int delayMs) =>
        $$$"""{"model":"bench-model","messages":[{"role":"user","content":"Hello from a neighbour"}],"max_tokens":16,"fake":{"delay_ms":{{{delayMs}}}}}""";

    /// <summary>
    /// Runs every caller at once for <paramref name="duration"/>; what each account saw, by account,
    /// counting only the requests that ended within it, and after <paramref name="countFrom"/> (the
    /// steady state, once the accounts' standing has settled), if given. The run ends when every
    /// caller's last request has.
    /// </summary>
    public async Task<Dictionary<string, LoadResult>> RunAsync(Uri url, IReadOnlyList<Caller> callers, string body, TimeSpan duration, TimeSpan countFrom = default)
    {
        var payload = Encoding.UTF8.GetBytes(body);
        var latencies = callers.ToDictionary(c => c.Account, _ => new List<double>());
        var failures = callers.ToDictionary(c => c.Account, _ => 0);
        var clock = Stopwatch.StartNew();
        var workers = callers.SelectMany(caller => Enumerable.Range(0, caller.Concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
                var started = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    ok = response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                // Only what ended within the window counts: once the time is up, each caller's last
                // requests finish while the others no longer send, so what was still queued is served
                // without competition — 64 more requests for each account, which drew a 3:1 split
                // towards 1:1 (over 60 s, 2.61:1 counted with them).
                var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (clock.Elapsed < countFrom || clock.Elapsed > duration)
                {
                    continue;
                }

                lock (latencies)
                {
                    latencies[caller.Account].Add(took);
                    failures[caller.Account] += ok ? 0 : 1;
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();
        return callers.ToDictionary(c => c.Account, c => LoadResult.From([.. latencies[c.Account]], failures[c.Account], duration - countFrom));
    }

    public void Dispose() => _client.Dispose();
}
