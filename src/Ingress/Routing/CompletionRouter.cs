using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Runs a request through its candidates: one attempt at a time, each aborted before the next
/// starts, until one answers, a failure is not worth another endpoint, every candidate was tried,
/// or the deadline is spent. Feeds every outcome into the endpoints' health. A streamed request
/// fails over the same way until its first chunk arrives; from then on it is the caller's stream.
/// </summary>
public sealed class CompletionRouter(
    AttemptSender sender,
    PendingAttempts pending,
    EndpointHealth health,
    OutstandingRequests outstanding,
    IBus publisher,
    TimeProvider time,
    IOptions<RoutingOptions> options)
{
    /// <summary>How long past a dispatcher's own deadline the ingress still waits for its answer to arrive.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    /// <summary>The longest a cancellation or a health report may hold up an answer.</summary>
    private static readonly TimeSpan BusTimeout = TimeSpan.FromSeconds(2);

    public async Task<RoutedAnswer> RouteAsync(
        string model, IReadOnlyList<ManifestEntry> candidates, UpstreamRoute route, string body, Guid requestId, TimeSpan timeout, CancellationToken cancellationToken,
        TimeSpan? streamIdleTimeout = null, bool batch = false)
    {
        var o = options.Value;
        var deadline = time.GetUtcNow() + timeout;
        var attempts = 0;
        RoutedAnswer? last = null;
        foreach (var entry in candidates)
        {
            if (time.GetUtcNow() >= deadline)
            {
                break;
            }

            // A batch line never takes an endpoint's recovery probe: it may wait long on the batch
            // queue, and interactive callers would wait for the endpoint meanwhile.
            if ((batch && !health.IsHealthy(entry.EndpointId)) || !health.TryAcquire(entry.EndpointId))
            {
                continue;
            }

            attempts++;
            var stream = streamIdleTimeout is { } idle ? new StreamRequest(deadline, idle) : null;
            var (answer, retry) = await AttemptAsync(entry, route, body, requestId, attempts, deadline, stream, batch, o, cancellationToken);
            last = answer with { Attempts = attempts };
            if (!retry)
            {
                return last;
            }
        }

        if (time.GetUtcNow() >= deadline)
        {
            return new RoutedAnswer(null, ApiErrors.GatewayTimeout(timeout), last?.EndpointId, attempts);
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
        ManifestEntry entry, UpstreamRoute route, string body, Guid requestId, int attempt, DateTimeOffset deadline, StreamRequest? stream, bool batch,
        RoutingOptions o, CancellationToken cancellationToken)
    {
        var id = entry.EndpointId;
        var now = time.GetUtcNow();
        var acceptWindow = now + TimeSpan.FromSeconds(batch ? o.BatchAcceptanceTimeoutSeconds : o.AcceptanceTimeoutSeconds);
        // A batch line may wait its turn on the batch queue first: its attempt gets its full time
        // after the latest moment it can be taken, and a timeout says nothing against the endpoint.
        var attemptWindow = (batch ? acceptWindow : now) + TimeSpan.FromSeconds(o.AttemptTimeoutSeconds);

        // A caller's own short deadline says nothing about the endpoint: only a full window that
        // expires counts against it.
        var acceptBy = Min(acceptWindow, deadline);
        var attemptDeadline = Min(attemptWindow, deadline);
        var waiting = pending.Register(requestId, attempt, stream is not null);
        outstanding.Increment(id);
        var recorded = false;
        var handedOver = false;
        try
        {
            try
            {
                await sender.SendAsync(entry, new SubmitCompletion(requestId, attempt, id, route, body, acceptBy, attemptDeadline, stream), acceptBy - now, cancellationToken, batch);
            }
            catch (MassTransitException)
            {
                return (new RoutedAnswer(null, ApiErrors.BrokerUnavailable(), null, attempt), false);
            }

            if (!await WaitAsync(waiting.Taken.Task, Min(acceptBy + Grace, deadline), cancellationToken))
            {
                await AbandonAsync(waiting);
                if (acceptBy == acceptWindow && !batch)
                {
                    recorded = await FailedAsync(id, "not_accepted", null);
                }

                return (new RoutedAnswer(null, ApiErrors.NotAccepted(id, batch ? o.BatchAcceptanceTimeoutSeconds : o.AcceptanceTimeoutSeconds), id, attempt), true);
            }

            CompletionResult? result;
            try
            {
                // A batch line's time runs from when a dispatcher took it, not from when it was queued.
                var resultBy = batch ? Min(time.GetUtcNow() + TimeSpan.FromSeconds(o.AttemptTimeoutSeconds), attemptDeadline) : attemptDeadline;
                result = await WaitAsync(waiting.Result.Task, Min(resultBy + Grace, deadline), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away: abort the upstream call too. (A dispatcher that has not
                // acknowledged yet will, and is then told at once that nobody waits.)
                await AbandonAsync(waiting);
                throw;
            }

            if (result is null)
            {
                await AbandonAsync(waiting);
                if (attemptDeadline == attemptWindow && !batch)
                {
                    recorded = await FailedAsync(id, "timeout", null);
                }

                return (new RoutedAnswer(null, ApiErrors.AttemptTimedOut(id, o.AttemptTimeoutSeconds), id, attempt), o.FailoverOnAttemptTimeout);
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
                return (new RoutedAnswer(result, null, id, attempt) { Stream = new RoutedStream(waiting, w => EndStreamAsync(w, id)) }, false);
            }

            var answer = new RoutedAnswer(result, null, id, attempt);
            if (!FailoverPolicy.IsSuccess(result) && FailoverPolicy.IsRetryable(result, o.FailoverOnAttemptTimeout))
            {
                if (FailoverPolicy.CountsAgainstEndpoint(result) && (result.Outcome != CompletionOutcome.TimedOut || (attemptDeadline == attemptWindow && !batch)))
                {
                    var retryAfter = result.StatusCode is 429 or 503 ? result.RetryAfterSeconds : null;
                    recorded = await FailedAsync(id, FailoverPolicy.Kind(result), retryAfter);
                }

                return (answer, true);
            }

            if (result.Outcome == CompletionOutcome.TimedOut)
            {
                if (attemptDeadline == attemptWindow && !batch)
                {
                    recorded = await FailedAsync(id, "timeout", null);
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
                health.Release(id);
            }
        }
    }

    /// <summary>Ends a stream handed to the caller: one that is not finished has its upstream call aborted.</summary>
    private async Task EndStreamAsync(PendingAttempt waiting, string endpointId)
    {
        try
        {
            await AbandonAsync(waiting);
        }
        finally
        {
            pending.Remove(waiting);
            outstanding.Decrement(endpointId);
        }
    }

    /// <summary>Stops waiting for an attempt and, if a dispatcher acknowledged it, tells that dispatcher to abort it.</summary>
    private async Task AbandonAsync(PendingAttempt waiting)
    {
        if (waiting.Abandon() is { } accepted)
        {
            using var timeout = new CancellationTokenSource(BusTimeout);
            try
            {
                await sender.CancelAsync(accepted, timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or MassTransitException)
            {
                // The broker is away: the dispatcher's own attempt deadline ends the call.
            }
        }
    }

    private async Task<bool> FailedAsync(string endpointId, string kind, int? retryAfterSeconds)
    {
        if (health.RecordFailure(endpointId, kind, retryAfterSeconds) is { } cooled)
        {
            await PublishAsync(cooled);
        }

        return true;
    }

    /// <summary>Tells the other replicas; a broker that is away delays the answer by at most <see cref="BusTimeout"/>.</summary>
    private async Task PublishAsync(EndpointHealthChanged change)
    {
        using var timeout = new CancellationTokenSource(BusTimeout);
        try
        {
            await publisher.Publish(change, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException)
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
