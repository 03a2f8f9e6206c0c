using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// What a batch line's run comes to. What the upstream answered, success or refusal, is the line's
/// <see cref="Result"/>, and so is a refusal of the line itself (its budget spent, its model unknown
/// or not allowed). What says nothing about the line — a rate limit, no endpoint up, no dispatcher
/// taking it in time, the broker away — is not: no result and no usage row, and the line is tried
/// again after <see cref="RetryAfter"/>, until the batch expires. An upstream's passing refusal
/// (429, 5xx after every endpoint) is recorded and tried again up to
/// <see cref="BatchLineExecutor.MaxUpstreamRetries"/> times (<see cref="RefusedForNow"/>).
/// </summary>
internal sealed class BatchLineSink(BatchLine line, Guid requestId, int upstreamRetries) : IRequestSink
{
    private RateLease _lease = RateLease.Unlimited;

    public BatchLineResult? Result { get; private set; }

    public TimeSpan RetryAfter { get; private set; }

    public bool RefusedForNow { get; private set; }

    public void RateLimited(RateLease lease) => _lease = lease;

    public ValueTask<int?> RefuseAsync(RequestStep step, ApiError error, RoutedAnswer? routed)
    {
        var final = step switch
        {
            RequestStep.Budget or RequestStep.Validation => true,
            RequestStep.Selection => error.Code is "model_not_found" or "model_access_denied",
            _ => false,
        };
        if (final)
        {
            Result = BatchLineExecutor.Failed(line, requestId, error);
            return ValueTask.FromResult<int?>(error.Status);
        }

        RetryAfter = step == RequestStep.RateLimit ? TimeSpan.FromSeconds(Math.Max(1, _lease.ResetSeconds)) : Soon(error.RetryAfterSeconds);
        return ValueTask.FromResult<int?>(null);
    }

    public Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken) => routing;

    public ValueTask<int?> AnswerAsync(RoutedAnswer routed, CompletionResult result)
    {
        if (result.Outcome != CompletionOutcome.Answered)
        {
            // No answer from an upstream: the gateway's trouble, not the line's.
            RetryAfter = Soon(null);
            return ValueTask.FromResult<int?>(null);
        }

        if (FailoverPolicy.IsRetryable(result, true) && upstreamRetries < BatchLineExecutor.MaxUpstreamRetries)
        {
            // Every endpoint refused for now (rate limited, overloaded): that says nothing about the line.
            RetryAfter = TimeSpan.FromSeconds(Math.Clamp(result.RetryAfterSeconds ?? 2 << upstreamRetries, 1, 60));
            RefusedForNow = true;
            return ValueTask.FromResult<int?>(result.StatusCode);
        }

        var body = IsJson(result.Body) ? result.Body : new ApiError(result.StatusCode, "upstream_error", null, result.Body).ToJson();
        Result = new BatchLineResult(line.Number, result.StatusCode, requestId.ToString("N"), body, null);
        return ValueTask.FromResult<int?>(result.StatusCode);
    }

    public Task<StreamOutcome> RelayAsync(RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone) =>
        throw new InvalidOperationException("A batch line is never streamed.");

    /// <summary>When to try a line again after trouble that may pass at any moment (an endpoint back, a dispatcher started): soon, whatever an interactive caller would be told.</summary>
    private static TimeSpan Soon(int? retryAfterSeconds) => TimeSpan.FromSeconds(Math.Clamp(retryAfterSeconds ?? 2, 1, 5));

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
