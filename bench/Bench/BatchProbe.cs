using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BrokerGateway.Bench;

/// <summary>
/// Measures a batch: uploads an N-line file, creates the batch, and while it runs sends
/// interactive requests at concurrency 1 to the same endpoint; reports the lines per second from
/// creation to completion, and the interactive p50 during the batch against the same measure idle.
/// </summary>
public sealed class BatchProbe : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(300) };

    public async Task<BatchResult> RunAsync(Uri chatUrl, string token, LoadGenerator load, string interactiveBody, int lines, int idleRequests)
    {
        var root = new Uri(chatUrl.GetLeftPart(UriPartial.Authority));
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var idle = await load.RunAsync(chatUrl, interactiveBody, token, 1, idleRequests);

        var input = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            input.Append("{\"custom_id\":\"bench-").Append(i)
                .Append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"line ")
                .Append(i).Append("\"}],\"max_tokens\":16}}\n");
        }

        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(input.ToString()));
        using var form = new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { file, "file", "bench.jsonl" } };
        var uploaded = await Json(await _client.PostAsync(new Uri(root, "/v1/files"), form));
        using var create = new StringContent($$"""{"input_file_id":"{{uploaded.GetProperty("id").GetString()}}","endpoint":"/v1/chat/completions","completion_window":"24h"}""", Encoding.UTF8, "application/json");
        var clock = Stopwatch.StartNew();
        var batch = await Json(await _client.PostAsync(new Uri(root, "/v1/batches"), create));
        var id = batch.GetProperty("id").GetString();

        // Interactive requests, one at a time, for as long as the batch runs.
        var during = new List<double>();
        var failures = 0;
        var status = "validating";
        while (status is "validating" or "in_progress" or "finalizing")
        {
            var round = await load.RunAsync(chatUrl, interactiveBody, token, 1, 50);
            during.Add(round.P50);
            failures += round.Failures;
            batch = await Json(await _client.GetAsync(new Uri(root, $"/v1/batches/{id}")));
            status = batch.GetProperty("status").GetString();
        }

        clock.Stop();
        var counts = batch.GetProperty("request_counts");
        return new BatchResult(
            status!, counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32(), lines / clock.Elapsed.TotalSeconds,
            idle.P50, during.Count == 0 ? double.NaN : during.Order().ElementAt(during.Count / 2), failures);
    }

    public void Dispose() => _client.Dispose();

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>What one batch run measured: how it ended, lines per second, and the interactive p50 idle and during the batch.</summary>
public sealed record BatchResult(string Status, int Completed, int Failed, double LinesPerSecond, double IdleP50, double DuringP50, int InteractiveFailures);
