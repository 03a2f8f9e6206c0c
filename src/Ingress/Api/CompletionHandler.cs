using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// One OpenAI-compatible POST: read and check the body, pick an endpoint, send the request to
/// its queue, and relay the answer — the upstream's body when it succeeded or refused the request,
/// an OpenAI-shaped error from the gateway's taxonomy otherwise.
/// </summary>
public sealed class CompletionHandler(
    EndpointSelector selector,
    CompletionRouter router,
    GatewayRateLimiter limiter,
    BudgetGuard budgets,
    UsageRecorder usage,
    TimeProvider time,
    IOptions<IngressOptions> options,
    IOptions<JwtOptions> jwt)
{
    public const string EndpointHeader = "x-gateway-endpoint";
    public const string AttemptsHeader = "x-gateway-attempts";
    public const string TimeoutHeader = "x-gateway-timeout-ms";

    public async Task<IResult> HandleAsync(HttpContext context, UpstreamRoute route, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = context.RequestId();

        var (body, readError) = await RequestBodyReader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        var (model, invalid) = RequestValidator.Validate(route, body);
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var (timeout, badTimeout) = Deadline(context.Request);
        if (badTimeout is not null)
        {
            return Record(badTimeout, null);
        }

        // Budgets first: a request refused for its budget does not use up the rate limit.
        if (await budgets.CheckAsync(caller, cancellationToken) is { } exhausted)
        {
            return Record(exhausted, null);
        }

        var lease = await limiter.AcquireAsync(caller, GatewayRateLimiter.Estimate(body!.Length), cancellationToken);
        lease.WriteHeaders(context.Response);
        if (lease.Error is not null)
        {
            return Record(lease.Error, null);
        }

        var decision = selector.Select(model!, caller);
        if (decision.Error is not null)
        {
            context.Response.Headers[AttemptsHeader] = "0";
            return Record(decision.Error, null);
        }

        RoutedAnswer answer;
        try
        {
            answer = await router.RouteAsync(model!, decision.Candidates, route, Encoding.UTF8.GetString(body!), requestId, timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away: the row says so (499, as nginx names it); no tokens were reported.
            if (lease.TokenKeys.Count > 0)
            {
                await limiter.CorrectAsync(lease, 0, CancellationToken.None);
            }

            Write(StatusCodes.Status499ClientClosedRequest, null, 0, 0, 0);
            throw;
        }

        var succeeded = answer.Result is { } answered && FailoverPolicy.IsSuccess(answered);
        var (prompt, completion, total) = succeeded ? UsageTokens.From(answer.Result!.Body) : (0, 0, 0);
        if (lease.TokenKeys.Count > 0 && (!succeeded || total > 0))
        {
            // The estimate is replaced by what the upstream reported, or by nothing if it failed;
            // a success that reports no usage keeps the estimate.
            await limiter.CorrectAsync(lease, total, CancellationToken.None);
        }

        if (answer.EndpointId is not null)
        {
            context.Response.Headers[EndpointHeader] = answer.EndpointId;
        }

        context.Response.Headers[AttemptsHeader] = answer.Attempts.ToString(CultureInfo.InvariantCulture);
        if (answer.Error is not null)
        {
            return Record(answer.Error, answer);
        }

        var result = answer.Result!;
        if (result.RetryAfterSeconds is { } retryAfter && result.StatusCode is 429 or 503)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        if (!IsRelayable(result))
        {
            return Record(ApiErrors.FromResult(result), answer);
        }

        Write(result.StatusCode, answer, prompt, completion, total);
        return Results.Text(result.Body, "application/json", Encoding.UTF8, result.StatusCode);

        IResult Record(ApiError error, RoutedAnswer? routed)
        {
            Write(error.Status, routed, 0, 0, 0);
            return error.ToResult();
        }

        void Write(int status, RoutedAnswer? routed, int promptTokens, int completionTokens, int totalTokens) =>
            usage.Record(new UsageRecord(
                time.GetUtcNow(), requestId, caller.Subject, caller.Groups, model!, routed?.EndpointId, RouteNames.Of(route), status,
                promptTokens, completionTokens, totalTokens, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                routed?.Result?.UpstreamMilliseconds, routed?.Attempts ?? 0, Streamed: false));
    }

    /// <summary>The request's total deadline: the configured one, or <c>x-gateway-timeout-ms</c> up to the configured cap.</summary>
    private (TimeSpan Timeout, ApiError? Error) Deadline(HttpRequest request)
    {
        var o = options.Value;
        if (!request.Headers.TryGetValue(TimeoutHeader, out var header))
        {
            return (TimeSpan.FromSeconds(o.RequestTimeoutSeconds), null);
        }

        if (!int.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds < 1)
        {
            return (default, ApiErrors.InvalidHeader(TimeoutHeader, "a whole number of milliseconds greater than 0"));
        }

        return (TimeSpan.FromMilliseconds(Math.Min(milliseconds, o.MaxRequestTimeoutSeconds * 1000.0)), null);
    }

    /// <summary>
    /// A success is relayed as the upstream sent it, and so is a refusal (4xx) that already has
    /// OpenAI's error shape — except 401 and 403, which concern the gateway's key, not the caller;
    /// anything else is answered from the gateway's taxonomy.
    /// </summary>
    private static bool IsRelayable(CompletionResult result) =>
        result.Outcome == CompletionOutcome.Answered
        && (result.StatusCode is >= 200 and < 300
            || (result.StatusCode is >= 400 and < 500 and not 401 and not 403 && HasErrorShape(result.Body)));

    private static bool HasErrorShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
