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
/// byte (an ingress restarting) is sent to the next one, as a load balancer does. With
/// <c>followReadiness</c> it also asks each ingress's <c>/health/ready</c> ten times a second, as a
/// load balancer's health check does, and sends nothing to one that is not ready while another is.
/// </summary>
public sealed class LoadRun : IAsyncDisposable
{
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly List<HttpClient> _clients;
    private readonly Func<int, string> _body;
    private readonly int? _limit;
    private readonly IReadOnlyList<Uri> _ingresses;
    private readonly bool[] _notReady;
    private Task? _readinessWatch;
    private int _next = -1;

    private LoadRun(IReadOnlyList<Uri> ingresses, Func<int, string> body, int? limit, TimeSpan timeout)
    {
        _ingresses = ingresses;
        _notReady = new bool[ingresses.Count];
        _clients = ingresses.Select(u => ProcessGateway.Client(u, timeout)).ToList();
        _body = body;
        _limit = limit;
    }

    public IReadOnlyList<Outcome> Outcomes => [.. _outcomes.OrderBy(o => o.Index)];

    public static LoadRun Start(IReadOnlyList<Uri> ingresses, int concurrency, Func<int, string> body, int? limit = null, TimeSpan? timeout = null, bool followReadiness = false)
    {
        var run = new LoadRun(ingresses, body, limit, timeout ?? TimeSpan.FromSeconds(60));
        if (followReadiness)
        {
            run._readinessWatch = Task.Run(run.WatchReadinessAsync);
        }

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
        if (_readinessWatch is not null)
        {
            await _readinessWatch;
        }

        return Outcomes;
    }

    private async Task WatchReadinessAsync()
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (!_stop.IsCancellationRequested)
        {
            for (var i = 0; i < _ingresses.Count; i++)
            {
                bool ready;
                try
                {
                    using var answer = await probe.GetAsync(new Uri(_ingresses[i], "/health/ready"), _stop.Token);
                    ready = answer.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    ready = false;
                }

                Volatile.Write(ref _notReady[i], !ready);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The ingresses in turn from this request's, those ready first (all of them without a readiness watch).</summary>
    private IEnumerable<int> Rotation(int index)
    {
        var turn = Enumerable.Range(0, _clients.Count).Select(tried => (index + tried) % _clients.Count).ToList();
        return turn.Where(i => !Volatile.Read(ref _notReady[i])).Concat(turn.Where(i => Volatile.Read(ref _notReady[i])));
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
        foreach (var next in Rotation(index))
        {
            var client = _clients[next];
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
