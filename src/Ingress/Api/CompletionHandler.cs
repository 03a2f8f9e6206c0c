using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// One OpenAI-compatible POST: read and check the body, pick an endpoint, send the request to
/// its queue, and relay the answer — the upstream's body when it succeeded or refused the request,
/// an OpenAI-shaped error from the gateway's taxonomy otherwise. A request with
/// <c>"stream": true</c> is answered with server-sent events once its first chunk arrives.
/// </summary>
public sealed class CompletionHandler(
    EndpointSelector selector,
    CompletionRouter router,
    GatewayRateLimiter limiter,
    BudgetGuard budgets,
    UsageRecorder usage,
    StreamResponder responder,
    RequestBodyReader reader,
    IngressDrain drain,
    TimeProvider time,
    IOptions<IngressOptions> options,
    IOptions<StreamingOptions> streaming,
    IOptions<JwtOptions> jwt)
{
    public const string EndpointHeader = "x-gateway-endpoint";
    public const string AttemptsHeader = "x-gateway-attempts";
    public const string TimeoutHeader = "x-gateway-timeout-ms";
    public const string QueueTimeHeader = "x-gateway-queue-ms";

    public async Task<IResult> HandleAsync(HttpContext context, UpstreamRoute route, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = context.RequestId();

        var (body, readError) = await reader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        var (model, stream, invalid) = RequestValidator.Validate(route, body);
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        var caller = CallerIdentity.From(context.User, jwt.Value.GroupsClaim);
        var (timeout, badTimeout) = Deadline(context.Request, stream);
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

        var deadline = time.GetUtcNow() + timeout;

        // Routing and relaying end when the caller leaves, or when this replica's stop grace is over.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, drain.Expired);
        RoutedAnswer answer;
        try
        {
            var idle = stream ? TimeSpan.FromSeconds(streaming.Value.IdleTimeoutSeconds) : (TimeSpan?)null;
            var routing = router.RouteAsync(model!, decision.Candidates, route, Encoding.UTF8.GetString(body!), requestId, timeout, ending.Token, idle);
            answer = stream ? await responder.AwaitRoutingAsync(context.Response, routing, ending.Token) : await routing;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away: the row says so (499, as nginx names it); no tokens were reported.
            await CorrectAsync(0);
            Write(StatusCodes.Status499ClientClosedRequest, null, default);
            throw;
        }
        catch (OperationCanceledException) when (drain.Expired.IsCancellationRequested)
        {
            await CorrectAsync(0);
            return await FailAsync(ApiErrors.GatewayStopping(), null);
        }

        if (!context.Response.HasStarted)
        {
            if (answer.EndpointId is not null)
            {
                context.Response.Headers[EndpointHeader] = answer.EndpointId;
            }

            context.Response.Headers[AttemptsHeader] = answer.Attempts.ToString(CultureInfo.InvariantCulture);
            if (answer.QueueMilliseconds is { } queued)
            {
                context.Response.Headers[QueueTimeHeader] = Math.Round(queued).ToString(CultureInfo.InvariantCulture);
            }
        }

        if (answer.Stream is { } begun)
        {
            return await RelayStreamAsync(answer, begun);
        }

        var succeeded = answer.Result is { } answered && FailoverPolicy.IsSuccess(answered);
        var tokens = succeeded ? UsageTokens.From(answer.Result!.Body) : default;
        if (!succeeded || tokens.Total > 0)
        {
            // The estimate is replaced by what the upstream reported, or by nothing if it failed;
            // a success that reports no usage keeps the estimate.
            await CorrectAsync(tokens.Total);
        }

        if (answer.Error is not null)
        {
            return await FailAsync(answer.Error, answer);
        }

        var result = answer.Result!;
        if (result.RetryAfterSeconds is { } retryAfter && result.StatusCode is 429 or 503 && !context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        if (!IsRelayable(result))
        {
            return await FailAsync(ApiErrors.FromResult(result), answer);
        }

        Write(result.StatusCode, answer, tokens);
        if (context.Response.HasStarted)
        {
            // Keep-alives already began an event stream: the whole answer (or refusal) goes out as one event.
            await StreamResponder.WriteWholeAsync(context.Response, result.Body, done: succeeded, cancellationToken);
            return Results.Empty;
        }

        return Results.Text(result.Body, "application/json", Encoding.UTF8, result.StatusCode);

        async Task<IResult> RelayStreamAsync(RoutedAnswer routed, RoutedStream begun)
        {
            (CompletionResult? End, ApiError? Error) outcome;
            await using (begun)
            {
                try
                {
                    outcome = await responder.RelayAsync(context.Response, begun, routed.EndpointId!, deadline, timeout, ending.Token);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The caller left mid-stream: the upstream call is aborted (disposing the stream
                    // does that), and what was used is counted all the same.
                    var used = StreamTokens(begun.Buffer);
                    await CorrectAsync(used.Total);
                    Write(StatusCodes.Status499ClientClosedRequest, routed, used);
                    throw;
                }
                catch (OperationCanceledException) when (drain.Expired.IsCancellationRequested)
                {
                    outcome = await StreamResponder.EndWithAsync(context.Response, null, ApiErrors.GatewayStopping(), cancellationToken);
                }
            }

            var streamed = StreamTokens(begun.Buffer);
            await CorrectAsync(streamed.Total);
            Write(outcome.Error?.Status ?? StatusCodes.Status200OK, routed, streamed, outcome.End?.UpstreamMilliseconds);
            return Results.Empty;
        }

        // What a stream used: the upstream's own count, or — when the stream ended before the
        // upstream reported one (it broke off, the caller left) — an estimate, as the rate limiter
        // makes one: the prompt from the request's size, a token for each event the caller got.
        (int Prompt, int Completion, int Total) StreamTokens(StreamBuffer buffer)
        {
            if (buffer.End is { } end && UsageTokens.From(end.Body) is { Total: > 0 } reported)
            {
                return reported;
            }

            var prompt = GatewayRateLimiter.Estimate(body!.Length);
            var completion = buffer.WrittenEvents;
            return (prompt, completion, prompt + completion);
        }

        async Task<IResult> FailAsync(ApiError error, RoutedAnswer? routed)
        {
            Write(error.Status, routed, default);
            if (context.Response.HasStarted)
            {
                await StreamResponder.EndWithAsync(context.Response, null, error, cancellationToken);
                return Results.Empty;
            }

            return error.ToResult();
        }

        IResult Record(ApiError error, RoutedAnswer? routed)
        {
            Write(error.Status, routed, default);
            return error.ToResult();
        }

        async Task CorrectAsync(int total)
        {
            if (lease.TokenKeys.Count > 0)
            {
                await limiter.CorrectAsync(lease, total, CancellationToken.None);
            }
        }

        void Write(int status, RoutedAnswer? routed, (int Prompt, int Completion, int Total) counted, double? upstreamMilliseconds = null) =>
            usage.Record(new UsageRecord(
                time.GetUtcNow(), requestId, caller.Subject, caller.Groups, model!, routed?.EndpointId, RouteNames.Of(route), status,
                counted.Prompt, counted.Completion, counted.Total, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                upstreamMilliseconds ?? routed?.Result?.UpstreamMilliseconds, routed?.Attempts ?? 0, Streamed: stream));
    }

    /// <summary>The request's total deadline: the configured one (for a stream, <c>Streaming:TimeoutSeconds</c>), or <c>x-gateway-timeout-ms</c> up to the configured cap.</summary>
    private (TimeSpan Timeout, ApiError? Error) Deadline(HttpRequest request, bool stream)
    {
        var o = options.Value;
        if (!request.Headers.TryGetValue(TimeoutHeader, out var header))
        {
            return (TimeSpan.FromSeconds(stream ? streaming.Value.TimeoutSeconds : o.RequestTimeoutSeconds), null);
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
