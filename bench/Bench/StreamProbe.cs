using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace BrokerGateway.Bench;

/// <summary>
/// Measures streamed answers: the time to the first event at concurrency 1, and how many events a
/// second one long stream relays. Counts what the client receives, as a client would.
/// </summary>
public sealed class StreamProbe : IDisposable
{
    /// <summary>Headers sent with every request besides the bearer token (an upstream called directly in its own dialect wants its own).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>();

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        Timeout = TimeSpan.FromSeconds(300),
    };

    public static string Body(int chunks) =>
        $$$"""{"model":"bench-model","messages":[{"role":"user","content":"Hello from the benchmark"}],"max_tokens":16,"stream":true,"fake":{"chunks":{{{chunks}}}}}""";

    /// <summary>Milliseconds from sending each request to reading its first event, one request at a time.</summary>
    public async Task<LoadResult> FirstEventAsync(Uri url, string? token, int requests)
    {
        var latencies = new double[requests];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var (ok, firstEvent, _, _) = await ReadAsync(url, token, Body(5), started);
            latencies[i] = firstEvent;
            failures += ok ? 0 : 1;
        }

        return LoadResult.From(latencies, failures, clock.Elapsed);
    }

    /// <summary>Events per second in one stream of <paramref name="chunks"/> content events, from its first event to its end; the median of <paramref name="repeats"/>.</summary>
    public async Task<(double EventsPerSecond, int Events, bool Ok)> OneStreamAsync(Uri url, string? token, int chunks, int repeats)
    {
        var runs = new List<(double Rate, int Events, bool Ok)>();
        for (var i = 0; i < repeats; i++)
        {
            var (ok, firstEvent, last, events) = await ReadAsync(url, token, Body(chunks), Stopwatch.GetTimestamp());
            var seconds = (last - firstEvent) / 1000;
            runs.Add((events / Math.Max(seconds, 1e-6), events, ok && events >= chunks));
        }

        var median = runs.OrderBy(r => r.Rate).ElementAt((runs.Count - 1) / 2);
        return (median.Rate, median.Events, runs.All(r => r.Ok));
    }

    /// <summary>
    /// Many streams at once, each of <paramref name="chunks"/> content events <paramref name="gapMs"/>
    /// ms apart (a model generating at 1000/gap tokens a second): how many completed (status 200,
    /// ended with <c>[DONE]</c>), the time to each one's first event, the longest gap between two
    /// events within each stream, and the events the clients received per second in all.
    /// </summary>
    public async Task<ConcurrentStreams> ConcurrentAsync(Uri url, string? token, int streams, int chunks, int gapMs)
    {
        var body = $$$"""{"model":"bench-model","messages":[{"role":"user","content":"Hello from the benchmark"}],"stream":true,"fake":{"chunks":{{{chunks}}},"chunk_delay_ms":{{{gapMs}}}}}""";
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var runs = Enumerable.Range(0, streams).Select(async Task<(bool Ok, double FirstEventMs, double EndMs, int Events, bool Done, double LongestGapMs)> (_) =>
        {
            await start.Task;
            try
            {
                return await ReadAsync(url, token, body, Stopwatch.GetTimestamp(), detailed: true);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                return (false, double.NaN, double.NaN, 0, false, double.NaN);
            }
        }).ToArray();
        clock.Start();
        start.SetResult();
        var results = await Task.WhenAll(runs);
        clock.Stop();
        var completed = results.Where(r => r.Item1 && r.Item5).ToList();
        return new ConcurrentStreams(
            streams,
            completed.Count,
            completed.Count == 0 ? null : LoadResult.From([.. completed.Select(r => r.Item2)], 0, clock.Elapsed),
            completed.Count == 0 ? null : LoadResult.From([.. completed.Select(r => r.Item6)], 0, clock.Elapsed),
            results.Sum(r => r.Item4) / clock.Elapsed.TotalSeconds);
    }

    /// <summary>Reads one stream to its end: whether it succeeded, ms to the first event and to the end, and how many events came.</summary>
    private async Task<(bool Ok, double FirstEventMs, double EndMs, int Events)> ReadAsync(Uri url, string? token, string body, long started)
    {
        var (ok, first, end, events, _, _) = await ReadAsync(url, token, body, started, detailed: true);
        return (ok, first, end, events);
    }

    /// <summary>The same, with whether the stream ended with <c>[DONE]</c> and the longest gap between two reads that brought events, in ms.</summary>
    private async Task<(bool Ok, double FirstEventMs, double EndMs, int Events, bool Done, double LongestGapMs)> ReadAsync(Uri url, string? token, string body, long started, bool detailed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        double? first = null;
        var events = 0;
        var matched = 0;
        var lastEventAt = 0.0;
        var longestGap = 0.0;
        var tail = new Queue<byte>(Done.Length);
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            var now = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            first ??= now;
            var before = events;
            for (var i = 0; i < read; i++)
            {
                // Counts "data: " at the start of a line, across reads.
                matched = buffer[i] == DataPrefix[matched] ? matched + 1 : buffer[i] == DataPrefix[0] ? 1 : 0;
                if (matched == DataPrefix.Length)
                {
                    events++;
                    matched = 0;
                }

                if (detailed)
                {
                    if (tail.Count == Done.Length)
                    {
                        tail.Dequeue();
                    }

                    tail.Enqueue(buffer[i]);
                }
            }

            if (events > before)
            {
                if (before > 0)
                {
                    longestGap = Math.Max(longestGap, now - lastEventAt);
                }

                lastEventAt = now;
            }
        }

        var end = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (response.IsSuccessStatusCode, first ?? end, end, events, tail.SequenceEqual(Done), longestGap);
    }

    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public void Dispose() => _client.Dispose();
}
