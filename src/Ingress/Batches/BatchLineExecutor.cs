using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Runs one batch line as an interactive request runs — budget, rate limit, endpoint choice,
/// routing with failover, usage row (carrying the batch id) — but through the endpoints' batch
/// queues. What the upstream answered, success or refusal, is the line's result. What says nothing
/// about the line (a rate limit, no endpoint up, no dispatcher taking it in time, the broker away)
/// is not: the line is tried again later, until the batch expires.
/// </summary>
public sealed class BatchLineExecutor(
    EndpointSelector selector,
    CompletionRouter router,
    GatewayRateLimiter limiter,
    BudgetGuard budgets,
    UsageRecorder usage,
    TimeProvider time,
    IOptions<BatchOptions> options)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>How often an upstream's passing refusal (429, 5xx after every endpoint) is tried again before it becomes the line's result.</summary>
    public const int MaxUpstreamRetries = 5;

    /// <summary>
    /// The line's result, or null and how long to wait before trying it again. An upstream refusal
    /// that may pass (429, 5xx) is tried again while <paramref name="upstreamRetries"/> is below
    /// <see cref="MaxUpstreamRetries"/>; <paramref name="refusedForNow"/> says the null came from one.
    /// </summary>
    public async Task<(BatchLineResult? Result, TimeSpan RetryAfter, bool RefusedForNow)> RunAsync(
        Batch batch, CallerIdentity owner, BatchLine line, int upstreamRetries, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = Guid.NewGuid();
        var route = BatchEndpoints.RouteOf(batch.Endpoint);
        if (await budgets.CheckAsync(owner, cancellationToken) is { } exhausted)
        {
            Record(exhausted.Status, null, default);
            return (Failed(line, requestId, exhausted), TimeSpan.Zero, false);
        }

        var lease = await limiter.AcquireAsync(owner, GatewayRateLimiter.Estimate(Encoding.UTF8.GetByteCount(line.Body)), cancellationToken);
        if (lease.Error is not null)
        {
            return (null, TimeSpan.FromSeconds(Math.Max(1, lease.ResetSeconds)), false);
        }

        var decision = selector.Select(line.Model, owner);
        if (decision.Error is { } refused)
        {
            await CorrectAsync(0);
            if (refused.Code is "model_not_found" or "model_access_denied")
            {
                Record(refused.Status, null, default);
                return (Failed(line, requestId, refused), TimeSpan.Zero, false);
            }

            return (null, Soon(refused.RetryAfterSeconds), false);
        }

        var answer = await router.RouteAsync(
            line.Model, decision.Candidates, route, line.Body, requestId, TimeSpan.FromSeconds(options.Value.LineTimeoutSeconds), cancellationToken, batch: true);
        if (answer.Result is not { Outcome: CompletionOutcome.Answered } result)
        {
            // No answer from an upstream: the gateway's trouble, not the line's.
            await CorrectAsync(0);
            return (null, Soon(answer.Error?.RetryAfterSeconds), false);
        }

        var tokens = FailoverPolicy.IsSuccess(result) ? UsageTokens.From(result.Body) : default;
        if (tokens.Total > 0 || !FailoverPolicy.IsSuccess(result))
        {
            await CorrectAsync(tokens.Total);
        }

        Record(result.StatusCode, answer, tokens);
        if (FailoverPolicy.IsRetryable(result, true) && upstreamRetries < MaxUpstreamRetries)
        {
            // Every endpoint refused for now (rate limited, overloaded): that says nothing about the line.
            return (null, TimeSpan.FromSeconds(Math.Clamp(result.RetryAfterSeconds ?? 2 << upstreamRetries, 1, 60)), true);
        }

        var body = IsJson(result.Body) ? result.Body : JsonSerializer.Serialize(new { error = new { message = result.Body, type = "upstream_error" } });
        return (new BatchLineResult(line.Number, result.StatusCode, requestId.ToString("N"), body, null), TimeSpan.Zero, false);

        async Task CorrectAsync(int total)
        {
            if (lease.TokenKeys.Count > 0)
            {
                await limiter.CorrectAsync(lease, total, CancellationToken.None);
            }
        }

        void Record(int status, RoutedAnswer? routed, (int Prompt, int Completion, int Total) counted) =>
            usage.Record(new UsageRecord(
                time.GetUtcNow(), requestId, owner.Subject, owner.Groups, line.Model, routed?.EndpointId, RouteNames.Of(route), status,
                counted.Prompt, counted.Completion, counted.Total, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                routed?.Result?.UpstreamMilliseconds, routed?.Attempts ?? 0, Streamed: false, BatchId: batch.Id));
    }

    /// <summary>When to try a line again after trouble that may pass at any moment (an endpoint back, a dispatcher started): soon, whatever an interactive caller would be told.</summary>
    private static TimeSpan Soon(int? retryAfterSeconds) => TimeSpan.FromSeconds(Math.Clamp(retryAfterSeconds ?? 2, 1, 5));

    /// <summary>A line the gateway itself refused: no response, an error object in OpenAI's shape.</summary>
    public static BatchLineResult Failed(BatchLine line, Guid requestId, ApiError error) =>
        new(line.Number, null, requestId.ToString("N"), null, ErrorObject(error.Code ?? error.Type, error.Message));

    /// <summary><c>{"code": …, "message": …}</c>, the error of an output line.</summary>
    public static string ErrorObject(string code, string message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
