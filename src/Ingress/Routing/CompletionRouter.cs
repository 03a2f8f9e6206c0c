using System.Diagnostics;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Hosting.Telemetry;
using BrokerGateway.Ingress.Errors;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Runs a request through its candidates: one attempt at a time, each aborted before the next
/// starts, until one answers, a failure is not worth another endpoint, every candidate was tried,
/// or the deadline is spent. An attempt waits on its endpoint's queue as long as the deadline
/// allows while a dispatcher consumes it — busy is not missing — and moves on at once when the
/// queue is full or nobody consumes it any more. Feeds every outcome of an upstream call into the
/// endpoints' health; waiting, a full queue and broker trouble never count against an endpoint. A
/// streamed request fails over the same way until its first chunk arrives; from then on it is the
/// caller's stream.
/// </summary>
internal sealed class CompletionRouter(
    AttemptSender sender,
    PendingAttempts pending,
    EndpointHealth health,
    OutstandingRequests outstanding,
    BrokerConnection broker,
    IBus publisher,
    GatewayMetrics metrics,
    TimeProvider time,
    IOptions<RoutingOptions> options) : ICompletionRouter
{
    /// <summary>How long past a dispatcher's own deadline the ingress still waits for its answer to arrive.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    /// <summary>The longest a cancellation or a health report may hold up an answer.</summary>
    private static readonly TimeSpan BusTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A queued attempt whose message expires sooner than this is left to expire rather than withdrawn.</summary>
    private static readonly TimeSpan WithdrawWorthwhile = TimeSpan.FromSeconds(1);

    public async Task<RoutedAnswer> RouteAsync(RouteRequest request, IReadOnlyList<ManifestEntry> candidates, CancellationToken cancellationToken)
    {
        var (_, model, _, _, timeout, policy, streamIdleTimeout) = request;
        var o = options.Value;
        var deadline = time.GetUtcNow() + timeout;
        var attempts = 0;
        var queued = 0.0;
        RoutedAnswer? last = null;
        foreach (var entry in candidates)
        {
            if (time.GetUtcNow() >= deadline)
            {
                break;
            }

            // A batch line never takes an endpoint's recovery probe: it may wait long on the batch
            // queue, and interactive callers would wait for the endpoint meanwhile.
            var probe = false;
            if ((!policy.MayProbe && !health.IsHealthy(entry.EndpointId)) || !health.TryAcquire(entry.EndpointId, out probe, deadline))
            {
                continue;
            }

            attempts++;
            var stream = streamIdleTimeout is { } idle ? new StreamRequest(deadline, idle) : null;
            var (answer, retry) = await AttemptAsync(entry, request, attempts, deadline, stream, policy, probe, o, cancellationToken);
            metrics.Attempts.Add(1, new TagList { { "endpoint", entry.EndpointId }, { "outcome", Outcome(answer) } });
            queued += answer.QueueMilliseconds ?? 0;
            last = answer with { Attempts = attempts, QueueMilliseconds = queued };
            if (!retry)
            {
                return last;
            }
        }

        if (time.GetUtcNow() >= deadline)
        {
            return new RoutedAnswer(null, ApiErrors.GatewayTimeout(timeout), last?.EndpointId, attempts) { QueueMilliseconds = last?.QueueMilliseconds };
        }

        if (last is not null)
        {
            return last;
        }

        // Every candidate went into cooldown (or a probe) between the choice and the attempt.
        var earliest = candidates.Select(e => health.CoolingUntil(e.EndpointId)).Min() ?? time.GetUtcNow().AddSeconds(1);
        var seconds = (int)Math.Max(1, Math.Ceiling((earliest - time.GetUtcNow()).TotalSeconds));
        return new RoutedAnswer(null, ApiErrors.NoHealthyEndpoint(model, seconds), null, 0);
    }

    private async Task<(RoutedAnswer Answer, bool Retry)> AttemptAsync(
        ManifestEntry entry, RouteRequest request, int attempt, DateTimeOffset deadline, StreamRequest? stream, RequestPolicy policy, bool probe,
        RoutingOptions o, CancellationToken cancellationToken)
    {
        var (requestId, _, route, body, _, _, _) = request;
        var id = entry.EndpointId;
        var now = time.GetUtcNow();
        var attemptTimeout = TimeSpan.FromSeconds(o.AttemptTimeoutSeconds);

        // An interactive request waits on the queue as long as its deadline allows; a batch line
        // for its acceptance window, after which it is tried again later. Either way the upstream
        // call gets its full attempt time from when a dispatcher takes it.
        var acceptBy = policy.WaitsWholeDeadline ? deadline : Min(now + TimeSpan.FromSeconds(o.BatchAcceptanceTimeoutSeconds), deadline);
        var attemptDeadline = policy.WaitsWholeDeadline ? deadline : Min(acceptBy + attemptTimeout, deadline);
        var waiting = pending.Register(requestId, attempt, id, stream is not null, policy.UsesBatchQueue);
        outstanding.Increment(id);
        var recorded = false;
        var handedOver = false;
        try
        {
            var message = new SubmitCompletion(requestId, attempt, id, route, body, acceptBy, attemptDeadline, stream, attemptTimeout, request.Headers, request.Target, request.Priority);
            switch (await sender.SendAsync(entry, message, waiting, acceptBy - now, policy.UsesBatchQueue))
            {
                case SendOutcome.QueueFull:
                    return (Answer(null, ApiErrors.QueueFull(id), id, attempt, waiting), true);
                case SendOutcome.BrokerUnavailable:
                    return (Answer(null, ApiErrors.BrokerUnavailable(), null, attempt, waiting), false);
            }

            bool taken;
            try
            {
                taken = await WaitAsync(waiting.Taken.Task, policy.WaitsWholeDeadline ? deadline : Min(acceptBy + Grace, deadline), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await AbandonAsync(waiting, acceptBy);
                throw;
            }

            if (!taken)
            {
                await AbandonAsync(waiting, acceptBy);

                // Waiting in line says nothing against the endpoint: a batch line is tried again
                // later; an interactive request has used up its deadline, which ends the routing.
                return (Answer(null, ApiErrors.NotAccepted(id, o.BatchAcceptanceTimeoutSeconds), id, attempt, waiting), true);
            }

            if (waiting.Interruption is { } cut)
            {
                await AbandonAsync(waiting, acceptBy);
                return Interrupted(cut, id, attempt, waiting, o);
            }

            // Taken: the upstream call has its attempt time from now on (a dispatcher that answered
            // at once took it a moment ago, which makes no difference here).
            var resultBy = time.GetUtcNow() + attemptTimeout;
            var fullWindow = resultBy < deadline;
            CompletionResult? result;
            try
            {
                result = await WaitAsync(waiting.Result.Task, Min(resultBy + Grace, deadline), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away: abort the upstream call too. (A dispatcher that has not
                // acknowledged yet will, and is then told at once that nobody waits.)
                await AbandonAsync(waiting, acceptBy);
                throw;
            }

            if (waiting.Interruption is { } interrupted)
            {
                await AbandonAsync(waiting, acceptBy);
                return Interrupted(interrupted, id, attempt, waiting, o);
            }

            if (result is null)
            {
                await AbandonAsync(waiting, acceptBy);

                // A caller's own short deadline says nothing about the endpoint: only a full window that expires counts against it.
                if (fullWindow && policy.TimeoutsCountAgainstEndpoint)
                {
                    recorded = await FailedAsync(id, "timeout", null, probe);
                }

                return (Answer(null, ApiErrors.AttemptTimedOut(id, o.AttemptTimeoutSeconds), id, attempt, waiting), o.FailoverOnAttemptTimeout);
            }

            if (waiting.Stream is { IsStarted: true })
            {
                // The first chunk is here: the endpoint works, and the stream is the caller's now.
                if (health.RecordSuccess(id) is { } back)
                {
                    await PublishAsync(back);
                }

                recorded = true;
                handedOver = true;
                return (Answer(result, null, id, attempt, waiting) with { Stream = new RoutedStream(waiting, w => EndStreamAsync(w, id)) }, false);
            }

            var answer = Answer(result, null, id, attempt, waiting);
            if (!FailoverPolicy.IsSuccess(result) && FailoverPolicy.IsRetryable(result, o.FailoverOnAttemptTimeout))
            {
                if (FailoverPolicy.CountsAgainstEndpoint(result) && (result.Outcome != CompletionOutcome.TimedOut || (fullWindow && policy.TimeoutsCountAgainstEndpoint)))
                {
                    var retryAfter = result.StatusCode is 429 or 503 ? result.RetryAfterSeconds : null;
                    recorded = await FailedAsync(id, FailoverPolicy.Kind(result), retryAfter, probe);
                }

                return (answer, true);
            }

            if (result.Outcome == CompletionOutcome.TimedOut)
            {
                if (fullWindow && policy.TimeoutsCountAgainstEndpoint)
                {
                    recorded = await FailedAsync(id, "timeout", null, probe);
                }

                return (answer, false);
            }

            if (result.Outcome != CompletionOutcome.Answered || result.StatusCode >= 500)
            {
                // Not retried, and says nothing for or against the endpoint (e.g. 501).
                return (answer, false);
            }

            // A success, or a refusal of the request itself: the endpoint works.
            if (health.RecordSuccess(id) is { } recovered)
            {
                await PublishAsync(recovered);
            }

            recorded = true;
            return (answer, false);
        }
        finally
        {
            if (!handedOver)
            {
                pending.Remove(waiting);
                outstanding.Decrement(id);
            }

            if (!recorded)
            {
                health.Release(id, probe);
            }
        }
    }

    private static RoutedAnswer Answer(CompletionResult? result, ApiError? error, string? endpointId, int attempt, PendingAttempt waiting) =>
        new(result, error, endpointId, attempt) { QueueMilliseconds = waiting.IsTaken ? waiting.QueueMilliseconds : null };

    /// <summary>
    /// The wait ended without an answer, for a reason that says nothing against the endpoint. A
    /// request still on a queue nobody consumes tries the next endpoint; one whose dispatcher went
    /// away may have reached the upstream, so it is tried elsewhere only where a deployment accepts
    /// that risk (as after an attempt timeout); a lost broker ends the request.
    /// </summary>
    private static (RoutedAnswer, bool) Interrupted(AttemptInterruption why, string endpointId, int attempt, PendingAttempt waiting, RoutingOptions o) => why switch
    {
        AttemptInterruption.NoConsumer => (Answer(null, ApiErrors.NotConsumed(endpointId), endpointId, attempt, waiting), true),
        AttemptInterruption.DispatcherLost => (Answer(null, ApiErrors.DispatcherLost(endpointId), endpointId, attempt, waiting), o.FailoverOnAttemptTimeout),
        _ => (Answer(null, ApiErrors.BrokerUnavailable(), endpointId, attempt, waiting), false),
    };

    /// <summary>Ends a stream handed to the caller: one that is not finished has its upstream call aborted.</summary>
    private async Task EndStreamAsync(PendingAttempt waiting, string endpointId)
    {
        try
        {
            // A stream that has begun was taken: there is nothing on a queue to withdraw.
            await AbandonAsync(waiting, DateTimeOffset.MinValue);
        }
        finally
        {
            pending.Remove(waiting);
            outstanding.Decrement(endpointId);
        }
    }

    /// <summary>Stops waiting for an attempt and, if a dispatcher acknowledged it, tells that dispatcher to abort it.</summary>
    /// <summary>
    /// Stops waiting for an attempt: the dispatcher that accepted it is told to abort its call; one
    /// that may still sit on its queue (nobody took it, or its dispatcher died and the broker hands it
    /// on) is withdrawn from every dispatcher, so that it is not run after the caller was answered —
    /// left, failed over or told the endpoint is not consumed.
    /// </summary>
    private async Task AbandonAsync(PendingAttempt waiting, DateTimeOffset acceptBy)
    {
        var accepted = waiting.Abandon();
        var withdraw = accepted is null && waiting.MayStillBeQueued && acceptBy - time.GetUtcNow() > WithdrawWorthwhile;
        if ((accepted is null && !withdraw) || !broker.IsUp)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(BusTimeout);
        try
        {
            if (accepted is not null)
            {
                await sender.CancelAsync(accepted, timeout.Token);
            }
            else
            {
                await sender.WithdrawAsync(waiting.RequestId, waiting.Attempt, acceptBy, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            // The broker is away: the dispatcher's own attempt deadline ends a call, and a queued
            // message its expiry.
        }
    }

    /// <summary>An attempt's outcome as a short fixed name: the dispatcher's outcome, a stream begun, or the gateway's error code.</summary>
    private static string Outcome(RoutedAnswer answer) =>
        answer.Stream is not null ? "streamed"
            : answer.Result is { } result ? (result.Outcome == CompletionOutcome.Answered ? (result.StatusCode < 400 ? "answered" : "refused") : result.Outcome.ToString().ToLowerInvariant())
            : answer.Error?.Code ?? "error";

    private async Task<bool> FailedAsync(string endpointId, string kind, int? retryAfterSeconds, bool probe)
    {
        if (health.RecordFailure(endpointId, kind, retryAfterSeconds, probe) is { } cooled)
        {
            metrics.Cooldowns.Add(1, new KeyValuePair<string, object?>("endpoint", endpointId));
            await PublishAsync(cooled);
        }

        return true;
    }

    /// <summary>Tells the other replicas; a broker that is away delays the answer by at most <see cref="BusTimeout"/>.</summary>
    private async Task PublishAsync(EndpointHealthChanged change)
    {
        if (!broker.IsUp)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(BusTimeout);
        try
        {
            await publisher.Publish(change, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            // The other replicas learn the endpoint's state from their own attempts instead.
        }
    }

    /// <summary>Whether the task completed before <paramref name="until"/>.</summary>
    private async Task<bool> WaitAsync(Task task, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var wait = until - time.GetUtcNow();
        if (task.IsCompleted || wait <= TimeSpan.Zero)
        {
            return task.IsCompletedSuccessfully;
        }

        try
        {
            await task.WaitAsync(wait, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The task's value, or null if <paramref name="until"/> passes first.</summary>
    private async Task<T?> WaitAsync<T>(Task<T> task, DateTimeOffset until, CancellationToken cancellationToken)
        where T : class
    {
        var wait = until - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return task.IsCompletedSuccessfully ? await task : null;
        }

        try
        {
            return await task.WaitAsync(wait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
