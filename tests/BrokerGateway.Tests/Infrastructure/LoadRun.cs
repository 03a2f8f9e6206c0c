using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>One request a load run sent, and what its caller saw.</summary>
public sealed record Outcome(int Index, DateTimeOffset SentAt, TimeSpan Took, int Status, string? ErrorCode, string? Endpoint, string? RequestId, string? Failure)
{
    /// <summary>What the gateway said the request waited on queues (<c>x-gateway-queue-ms</c>).</summary>
    public double? QueueMilliseconds { get; init; }

    public DateTimeOffset AnsweredAt => SentAt + Took;
}

/// <summary>
/// Callers as a test needs them under load: <c>concurrency</c> workers, each sending chat requests
/// one after the other until the run is stopped (or has sent <c>limit</c>), recording for each what
/// the caller saw — status, error code, the endpoint that answered, the request id, or the failure
/// if no answer came at all. Requests go to the ingresses in turn; a connection refused before any
/// byte (an ingress restarting) is sent to the next one, as a load balancer does.
/// </summary>
public sealed class LoadRun : IAsyncDisposable
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly List<HttpClient> _clients;
    private readonly Func<int, string> _body;
    private readonly int? _limit;
    private int _next = -1;

    private LoadRun(IReadOnlyList<Uri> ingresses, Func<int, string> body, int? limit, TimeSpan timeout)
    {
        _clients = ingresses.Select(u => ProcessGateway.Client(u, timeout)).ToList();
        _body = body;
        _limit = limit;
    }

    public IReadOnlyList<Outcome> Outcomes => [.. _outcomes.OrderBy(o => o.Index)];

    public static LoadRun Start(IReadOnlyList<Uri> ingresses, int concurrency, Func<int, string> body, int? limit = null, TimeSpan? timeout = null)
    {
        var run = new LoadRun(ingresses, body, limit, timeout ?? TimeSpan.FromSeconds(60));
        for (var i = 0; i < concurrency; i++)
        {
            run._workers.Add(Task.Run(run.WorkAsync));
        }

        return run;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were answered (or failed).</summary>
    public Task WaitForAsync(int count, TimeSpan? timeout = null) =>
        Eventually.Until(() => _outcomes.Count >= count, timeout ?? TimeSpan.FromSeconds(60), $"{count} requests answered");

    /// <summary>Stops sending and waits for the requests in flight to be answered.</summary>
    public async Task<IReadOnlyList<Outcome>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return Outcomes;
    }

    /// <summary>Waits for a run with a limit to have sent and seen answered every request.</summary>
    public async Task<IReadOnlyList<Outcome>> CompletionAsync()
    {
        await Task.WhenAll(_workers);
        return Outcomes;
    }

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var index = Interlocked.Increment(ref _next);
            if (index >= _limit)
            {
                return;
            }

            _outcomes.Enqueue(await SendAsync(index));
        }
    }

    private async Task<Outcome> SendAsync(int index)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        string? failure = null;
        for (var tried = 0; tried < _clients.Count; tried++)
        {
            var client = _clients[(index + tried) % _clients.Count];
            try
            {
                using var response = await client.PostAsync("/v1/chat/completions", Json.Body(_body(index)));
                var text = await response.Content.ReadAsStringAsync();
                string? code = null;
                if (!response.IsSuccessStatusCode)
                {
                    try
                    {
                        code = JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString();
                    }
                    catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                    {
                        code = "(not an OpenAI error)";
                    }
                }

                return new Outcome(index, sentAt, clock.Elapsed, (int)response.StatusCode, code, Header(response, "x-gateway-endpoint"), Header(response, "x-request-id"), null)
                {
                    QueueMilliseconds = double.TryParse(Header(response, "x-gateway-queue-ms"), System.Globalization.CultureInfo.InvariantCulture, out var queued) ? queued : null,
                };
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                // Not listening (restarting): nothing was sent; a load balancer tries the next one.
                failure = "connection refused";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                var cause = ex.InnerException is { } inner ? $" ({inner.GetType().Name}: {inner.Message})" : "";
                return new Outcome(index, sentAt, clock.Elapsed, 0, null, null, null, $"{ex.GetType().Name}: {ex.Message}{cause}");
            }
        }

        return new Outcome(index, sentAt, clock.Elapsed, 0, null, null, null, failure);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}

public static class Outcomes
{
    /// <summary>"200×1984, 503 broker_unavailable×16": what callers saw, for assertion messages.</summary>
    public static string Summary(this IEnumerable<Outcome> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o.Failure ?? $"{o.Status}{(o.ErrorCode is null ? string.Empty : " " + o.ErrorCode)}")
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Key}×{g.Count()}"));
}
