using System.Data.Common;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;
using BrokerGateway.Ingress.Usage;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// The one path every completion request takes, interactive or batch, whatever the shape of its
/// answer:
/// <list type="number">
/// <item><b>admit</b> — the account it is charged to (and, with fair share on, its place in line
/// from that account's standing), the caller's token budget, then its rate limit (a request refused
/// for its budget does not use up the rate limit);</item>
/// <item><b>select</b> — the candidate endpoints for the model and caller, in the order to try;</item>
/// <item><b>route</b> — over the broker to a dispatcher, with failover, as the request's
/// <see cref="RequestPolicy"/> says;</item>
/// <item><b>account</b> — the rate limiter's estimate replaced by the tokens the upstream reported
/// (or by none, if nothing was served), and one usage row with the status the caller got.</item>
/// </list>
/// Each step's outcome goes to the request's <see cref="IRequestSink"/>, which delivers it. New
/// concerns that apply to every request (dialect translation, metrics, fair-share admission) are
/// steps here, not copies in each adapter.
/// </summary>
internal sealed partial class RequestPipeline(
    BudgetGuard budgets,
    GatewayRateLimiter limiter,
    IEndpointSelector selector,
    ICompletionRouter router,
    UsageRecorder usage,
    IResponseMemory responses,
    RequestTelemetry telemetry,
    AccountSelector accounts,
    TimeProvider time,
    ILogger<RequestPipeline> logger,
    FairShareState? fairShare = null)
{
    /// <summary>
    /// Runs <paramref name="request"/> to its end. <paramref name="callerGone"/> fires when nobody
    /// waits for the answer any more (then this throws, after accounting for what was used);
    /// <paramref name="stopping"/> when this replica's stop grace is over (then the request ends with
    /// <c>gateway_stopping</c>).
    /// </summary>
    public async Task RunAsync(GatewayRequest request, IRequestSink sink, CancellationToken callerGone, CancellationToken stopping = default)
    {
        using var span = RequestTelemetry.Start(request);

        // Admit: charged to which account, and with fair share on, in what place in line.
        var (account, notYours) = accounts.Select(request.Caller, request.RequestedAccount);
        if (notYours is not null)
        {
            await RefuseAsync(request, sink, RequestStep.Validation, notYours, callerGone);
            return;
        }

        request = request with { Account = account, Priority = fairShare?.PriorityOf(account!, request.Caller.Subject) };
        if (await budgets.CheckAsync(request.Caller, callerGone) is { } exhausted)
        {
            await RefuseAsync(request, sink, RequestStep.Budget, exhausted, callerGone);
            return;
        }

        var lease = await limiter.AcquireAsync(request.Caller, request.EstimatedTokens, callerGone);
        sink.RateLimited(lease);
        if (lease.Error is { } limited)
        {
            await RefuseAsync(request, sink, RequestStep.RateLimit, limited, callerGone);
            return;
        }

        // Select: the candidates for the model — or, for a request that continues a stored
        // response, the endpoint that holds it.
        RouteDecision decision;
        if (request.ContinuesResponse is { } responseId)
        {
            ResponseOrigin? origin;
            try
            {
                origin = await responses.FindAsync(request.Caller.Subject, responseId, callerGone);
            }
            catch (DbException ex)
            {
                LogMemoryFailed(logger, ex, request.RequestId);
                await CorrectAsync(lease, 0);
                await RefuseAsync(request, sink, RequestStep.Selection, ApiErrors.StorageUnavailable(), callerGone);
                return;
            }

            if (origin is null)
            {
                await CorrectAsync(lease, 0);
                var storesNone = request.Model.Length > 0 && !selector.StoresResponses(request.Model);
                await RefuseAsync(request, sink, RequestStep.Selection, ApiErrors.ResponseNotFound(responseId, asPreviousResponse: request.Route == UpstreamRoute.Responses, storesNone), callerGone);
                return;
            }

            // A follow-up names no model of its own: it is the response's.
            request = request.Model.Length == 0 ? request with { Model = origin.Model } : request;
            decision = selector.SelectHolder(request.Model, request.Caller, origin.EndpointId, responseId);
        }
        else
        {
            decision = selector.Select(request.Model, request.Caller);
        }

        if (decision.Error is { } unroutable)
        {
            await CorrectAsync(lease, 0);
            await RefuseAsync(request, sink, RequestStep.Selection, unroutable, callerGone);
            return;
        }

        // Route. With fair share, what the request is expected to use counts against its account
        // from now, while it waits: the requests an account already has in line then weigh on the
        // place in line of its next ones, instead of only once they are done.
        if (fairShare?.Admit(request.Account!, request.Caller.Subject, request.EstimatedTokens) is > 0 and var admitted)
        {
            request = request with { ChargedEstimate = admitted };
        }

        var deadline = time.GetUtcNow() + request.Timeout;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(callerGone, stopping);
        RoutedAnswer answer;
        try
        {
            answer = await sink.AwaitRoutingAsync(router.RouteAsync(request.ToRoute(), decision.Candidates, ending.Token), ending.Token);
        }
        catch (OperationCanceledException) when (callerGone.IsCancellationRequested)
        {
            await CorrectAsync(lease, 0);
            Left(request, null, default);
            throw;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await CorrectAsync(lease, 0);
            await RefuseAsync(request, sink, RequestStep.Routing, ApiErrors.GatewayStopping(), callerGone);
            return;
        }

        if (answer.Stream is { } begun)
        {
            // Routing hands a stream over when its first event has come.
            await RelayAsync(request, sink, lease, answer, begun, deadline, time.GetElapsedTime(request.StartedAt), ending.Token, callerGone);
            return;
        }

        // Account: the estimate is replaced by what the upstream reported, or by nothing if it
        // failed; a success that reports no usage keeps the estimate.
        var succeeded = answer.Result is { } answered && FailoverPolicy.IsSuccess(answered);
        var tokens = succeeded && !request.Route.IsResponseFollowUp() ? UsageTokens.From(answer.Result!.Body) : default;
        if (!succeeded || tokens.Total > 0)
        {
            await CorrectAsync(lease, tokens.Total);
        }

        if (answer.Error is { } error)
        {
            telemetry.Refused(RequestStep.Routing, error);
            await DeliverAsync(request, sink.RefuseAsync(RequestStep.Routing, error, answer), answer, default, callerGone);
            return;
        }

        if (succeeded)
        {
            // Before the caller has it: a follow-up sent the moment it arrives must find it.
            await KeepTrackAsync(request, answer.EndpointId!, answer.Result!.Body);
        }

        await DeliverAsync(request, sink.AnswerAsync(answer, answer.Result!), answer, tokens, callerGone);
    }

    /// <summary>A response made is remembered with the endpoint that holds it; a response deleted is forgotten. The caller's answer does not wait on a database that fails.</summary>
    private async Task KeepTrackAsync(GatewayRequest request, string endpointId, string answer)
    {
        try
        {
            switch (request.Route)
            {
                case UpstreamRoute.Responses:
                    await responses.RememberAsync(request.Caller.Subject, request.Model, endpointId, answer, CancellationToken.None);
                    break;
                case UpstreamRoute.ResponseDelete when request.ContinuesResponse is { } deleted:
                    await responses.ForgetAsync(request.Caller.Subject, deleted, CancellationToken.None);
                    break;
            }
        }
        catch (DbException ex)
        {
            LogMemoryFailed(logger, ex, request.RequestId);
        }
    }

    /// <summary>A request its adapter refused once the caller was known (a bad header): delivered and recorded like any refusal.</summary>
    public Task RejectAsync(GatewayRequest request, IRequestSink sink, ApiError error, CancellationToken callerGone) =>
        RefuseAsync(request, sink, RequestStep.Validation, error, callerGone);

    private Task RefuseAsync(GatewayRequest request, IRequestSink sink, RequestStep step, ApiError error, CancellationToken callerGone)
    {
        telemetry.Refused(step, error);
        return DeliverAsync(request, sink.RefuseAsync(step, error, null), null, default, callerGone);
    }

    private async Task RelayAsync(
        GatewayRequest request, IRequestSink sink, RateLease lease, RoutedAnswer answer, RoutedStream begun, DateTimeOffset deadline, TimeSpan firstEvent, CancellationToken ending, CancellationToken callerGone)
    {
        StreamOutcome outcome;
        try
        {
            outcome = await sink.RelayAsync(answer, begun, deadline, ending, callerGone);
        }
        catch (OperationCanceledException) when (callerGone.IsCancellationRequested)
        {
            // The caller left mid-stream: the sink has aborted the upstream call, and what was used
            // is counted all the same.
            var used = StreamTokens(request, begun.Buffer);
            await CorrectAsync(lease, used.Total);
            Left(request, answer, used);
            throw;
        }

        var streamed = StreamTokens(request, begun.Buffer);
        await CorrectAsync(lease, streamed.Total);
        if (outcome.Status == StatusCodes.Status200OK && begun.Buffer.End is { } end && answer.EndpointId is { } endpointId)
        {
            // A streamed response's end names its id (the dispatcher read it from the events).
            await KeepTrackAsync(request, endpointId, end.Body);
        }

        Record(request, outcome.Status, answer, streamed, outcome.End?.UpstreamMilliseconds, firstEvent);
    }

    /// <summary>Waits for the sink to deliver, then records the status it reports; a caller who leaves during delivery is recorded as having left, with what the upstream used.</summary>
    private async Task DeliverAsync(GatewayRequest request, ValueTask<int?> delivery, RoutedAnswer? routed, (int Prompt, int Completion, int Total) tokens, CancellationToken callerGone)
    {
        int? status;
        try
        {
            status = await delivery;
        }
        catch (Exception ex) when ((ex is OperationCanceledException or IOException) && callerGone.IsCancellationRequested)
        {
            Left(request, routed, tokens);
            throw;
        }

        Record(request, status, routed, tokens);
    }

    /// <summary>
    /// What a stream used: the upstream's own count, or — when the stream ended before the upstream
    /// reported one (it broke off, the caller left) — an estimate, as the rate limiter makes one: the
    /// prompt from the request's size, a token for each event the caller got.
    /// </summary>
    private static (int Prompt, int Completion, int Total) StreamTokens(GatewayRequest request, StreamBuffer buffer)
    {
        if (buffer.End is { } end && UsageTokens.From(end.Body) is { Total: > 0 } reported)
        {
            return reported;
        }

        var prompt = request.EstimatedTokens;
        var completion = buffer.WrittenEvents;
        return (prompt, completion, prompt + completion);
    }

    private async Task CorrectAsync(RateLease lease, int total)
    {
        if (lease.TokenKeys.Count > 0)
        {
            await limiter.CorrectAsync(lease, total, CancellationToken.None);
        }
    }

    /// <summary>The caller went away: the row says so (499, as nginx names it) — unless the request is run again later, and recorded then.</summary>
    private void Left(GatewayRequest request, RoutedAnswer? routed, (int Prompt, int Completion, int Total) tokens)
    {
        if (!request.Policy.RunsAgainLater)
        {
            Record(request, StatusCodes.Status499ClientClosedRequest, routed, tokens);
        }
        else if (fairShare is not null && request.Account is { } account && request.ChargedEstimate > 0)
        {
            // Recorded, and charged, when it runs again.
            fairShare.Settle(account, request.Caller.Subject, request.ChargedEstimate, 0, null);
        }
    }

    /// <summary>The request's end: its usage row, and what operators see of it (metrics, the access log line, its span's attributes).</summary>
    private void Record(
        GatewayRequest request, int? status, RoutedAnswer? routed, (int Prompt, int Completion, int Total) counted, double? upstreamMilliseconds = null, TimeSpan? firstEvent = null)
    {
        if (status is not { } recorded)
        {
            return;
        }

        var caller = request.Caller;
        var duration = time.GetElapsedTime(request.StartedAt);
        usage.Record(new UsageRecord(
            time.GetUtcNow(), request.RequestId, caller.Subject, caller.Groups, request.Model, routed?.EndpointId, RouteNames.Of(request.Route), recorded,
            counted.Prompt, counted.Completion, counted.Total, duration.TotalMilliseconds,
            upstreamMilliseconds ?? routed?.Result?.UpstreamMilliseconds, routed?.Attempts ?? 0, request.IsStream, request.BatchId, request.Account));
        if (fairShare is not null && request.Account is { } account && (routed is not null || request.ChargedEstimate > 0))
        {
            fairShare.Settle(account, caller.Subject, request.ChargedEstimate, counted.Total, upstreamMilliseconds ?? routed?.Result?.UpstreamMilliseconds);
        }

        telemetry.Finished(request, recorded, routed, counted, duration, firstEvent);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: the record of which endpoint holds a stored response could not be read or written")]
    private static partial void LogMemoryFailed(ILogger logger, Exception exception, Guid requestId);
}
