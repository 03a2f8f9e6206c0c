using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.Dispatcher.Mock;
using BrokerGateway.Dispatcher.Streaming;
using BrokerGateway.Dispatcher.Upstream;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// Makes one attempt from an endpoint queue: finds the endpoint in this dispatcher's manifest,
/// calls its upstream (or the built-in mock) with the endpoint's key, and answers with the result
/// — telling the ingress first that it has taken the attempt if the call takes more than a moment,
/// so that the ingress can cancel it; a cancellation aborts the call. A streamed attempt relays the
/// upstream's events to the ingress as they come, then answers with how the stream ended. Whatever
/// the upstream sends back has the endpoint's key taken out of it before it is relayed.
/// </summary>
internal sealed partial class SubmitCompletionConsumer(
    ManifestStore manifest,
    ServedEndpoints served,
    UpstreamClient upstream,
    UpstreamDialects dialects,
    MockProvider mock,
    InFlightCalls calls,
    DispatcherAnnouncer announcer,
    InstanceEndpoint instance,
    EventStreamRelay relay,
    ChunkOutbox outbox,
    BrokerConnection broker,
    BusStarted busStarted,
    DispatcherTelemetry telemetry,
    PriorityGates gates,
    IBus bus,
    TimeProvider time,
    ILogger<SubmitCompletionConsumer> logger) : IConsumer<SubmitCompletion>
{
    /// <summary>How long an attempt may run before the ingress is told separately that it was taken.</summary>
    public static readonly TimeSpan AcknowledgeAfter = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long after this dispatcher's bus started, or its connection came back, a message's
    /// withdrawal may still have gone unheard (the broadcast binding comes up with the connection;
    /// the sender's clock may differ).
    /// </summary>
    private static readonly TimeSpan HearingMargin = TimeSpan.FromSeconds(5);

    /// <summary>How long the ingress gets to say whether a message that may have been withdrawn unheard is still wanted.</summary>
    private static readonly TimeSpan StillWantedTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a message that came while this dispatcher's own queue was coming back (after a lost
    /// connection) waits for it before its call starts, and an answer for a connection lost a moment
    /// ago waits before it is given up: reconnecting takes a second or two.
    /// </summary>
    private static readonly TimeSpan ReconnectWait = TimeSpan.FromSeconds(5);

    /// <summary>The longest the answer may wait for a broker that is away (never past the request's deadline).</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    public async Task Consume(ConsumeContext<SubmitCompletion> context)
    {
        try
        {
            await ConsumeAsync(context);
        }
        catch (OperationCanceledException ex) when (context.CancellationToken.IsCancellationRequested && ex.CancellationToken != context.CancellationToken)
        {
            // The consumer is being stopped (its connection to the broker is closing) while it waited
            // on something with a token of its own: said as the consumer's cancellation, which the
            // logging leaves out when it reaches RabbitMQ's transport as a T-FAULT (BrokerNoise);
            // the broker hands the message on.
            throw new OperationCanceledException(ex.Message, ex, context.CancellationToken);
        }
    }

    /// <summary>
    /// Standalone with fair share on, a request first waits for one of the queue's calls in its
    /// order of priority (<see cref="PriorityGate"/>) — until it is taken, or its time to be taken
    /// runs out; over RabbitMQ the broker has ordered it already.
    /// </summary>
    private async Task ConsumeAsync(ConsumeContext<SubmitCompletion> context)
    {
        if (gates.Find(context.ReceiveContext.InputAddress) is not { } gate)
        {
            await RunAsync(context);
            return;
        }

        var request = context.Message;
        IDisposable slot;
        using (var until = new CancellationTokenSource(Max(request.AcceptBy - time.GetUtcNow(), TimeSpan.Zero), time))
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, until.Token))
        {
            try
            {
                slot = await gate.EnterAsync(request.Priority ?? 0, waiting.Token);
            }
            catch (OperationCanceledException) when (until.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                TooLate(request, out _);
                return;
            }
        }

        using (slot)
        {
            await RunAsync(context);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task RunAsync(ConsumeContext<SubmitCompletion> context)
    {
        var request = context.Message;
        if (TooLate(request, out var taken))
        {
            return;
        }

        if (calls.WasWithdrawn(request.RequestId, request.Attempt))
        {
            // Its ingress stopped waiting while it was queued (the caller left, or it was answered
            // elsewhere): running it now would cost an upstream call nobody reads.
            LogWithdrawn(logger, request.RequestId, request.Attempt, request.EndpointId);
            return;
        }

        if (await WantedAsync(context) is false)
        {
            LogWithdrawnUnheard(logger, request.RequestId, request.Attempt, request.EndpointId);
            return;
        }

        // Asking takes a moment: the message may have run out of time meanwhile.
        if (TooLate(request, out taken))
        {
            return;
        }

        if (context.ReceiveContext.Redelivered)
        {
            // The dispatcher that took it first went away before finishing: the upstream may see it twice.
            LogRedelivered(logger, request.RequestId, request.Attempt, request.EndpointId);
            if (request.Stream is not null)
            {
                // Its first dispatcher may have sent the caller part of the stream already: a second
                // run would interleave another answer with it. The ingress fails it over or ends it.
                await AnswerAsync(context, NotServed(request, "a stream is not run again after its dispatcher went away"));
                return;
            }
        }

        // The attempt's time runs from now: the request may have waited its turn on a busy queue.
        if (request.AttemptTimeout is { } attemptTimeout && taken + attemptTimeout < request.AttemptDeadline)
        {
            request = request with { AttemptDeadline = taken + attemptTimeout };
        }

        // A message that comes while this dispatcher's own queue is still coming back after a lost
        // connection (the endpoint queues' consumers can be back first) waits for it: the connection
        // works, since the message came over it, and the ingress must be able to cancel the call.
        if (!broker.IsUp)
        {
            await broker.WaitUntilUpAsync(ReconnectWait, context.CancellationToken);
        }

        // A call whose answer can no longer be delivered (the broker connection is lost) is aborted:
        // its ingress has told the caller, and the broker hands the request on if anyone still waits.
        var lost = broker.Losing;
        using var call = calls.Begin(request.RequestId, request.Attempt, request.EndpointId, context.CancellationToken, lost);
        using var span = DispatcherTelemetry.StartCall(request, manifest.Current?.FindByEndpointId(request.EndpointId), context.Headers.Get<string>(Hosting.Telemetry.GatewayTelemetry.TraceHeader));
        var started = time.GetTimestamp();
        var attempt = AttemptAsync(request, context, call.Token);

        // A quick answer is its own acknowledgement; only a call still running after a moment is
        // acknowledged separately, which saves a message per request on the broker. A dispatcher
        // that is stopping acknowledges at once (see InFlightCalls.AcknowledgeAtOnce).
        if (!attempt.IsCompleted && await Task.WhenAny(attempt, Task.Delay(AcknowledgeAfter, time, CancellationToken.None), calls.AcknowledgeAtOnce) != attempt)
        {
            var accepted = new CompletionAccepted(request.RequestId, request.Attempt, announcer.DispatcherId, instance.Address, time.GetElapsedTime(started).TotalMilliseconds);
            if (!await AnswerAsync(context, accepted))
            {
                // Nobody can hear the answer: stop the call, and say nothing more of it.
                call.Cancel();
                try
                {
                    await attempt;
                }
                catch (OperationCanceledException) when (call.Token.IsCancellationRequested)
                {
                }

                return;
            }

            call.MarkAcknowledged();
        }

        CompletionResult result;
        try
        {
            result = await attempt;
        }
        catch (OperationCanceledException) when (call.Token.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            if (call.StoppedByDrain)
            {
                // This dispatcher is stopping and its grace ran out: the ingress tries elsewhere. Not
                // served, so that it says nothing against the endpoint, which was merely slow.
                await AnswerAsync(context, NotServed(request, "the dispatcher stopped before the upstream answered"));
                return;
            }

            // Cancelled by the ingress, or the broker is gone: the upstream call is aborted and nobody waits for an answer.
            if (lost.IsCancellationRequested)
            {
                LogAbortedBrokerLost(logger, request.RequestId, request.Attempt, request.EndpointId);
            }
            else
            {
                LogAborted(logger, request.RequestId, request.Attempt, request.EndpointId);
            }

            return;
        }

        LogAnswered(logger, request.RequestId, request.EndpointId, result.Outcome, result.StatusCode);
        telemetry.Answered(span, request, result, time.GetElapsedTime(started));
        await AnswerAsync(context, result with { UpstreamMilliseconds = time.GetElapsedTime(started).TotalMilliseconds });
    }

    /// <summary>
    /// Sends an answer to the ingress that waits for it. A send that hangs is given up after a
    /// while, never past the request's deadline, and at once when the broker connection is lost:
    /// the ingress ends its requests in flight then, so the answer would find nobody. An answer that
    /// cannot be delivered is said in one line, not a fault with a stack trace: there is nobody to
    /// redeliver it to.
    /// </summary>
    private async Task<bool> AnswerAsync<T>(ConsumeContext<SubmitCompletion> context, T answer)
        where T : class
    {
        var request = context.Message;
        if (!broker.IsUp && !await broker.WaitUntilUpAsync(ReconnectWait, CancellationToken.None))
        {
            // Lost, and not back within a moment: the message goes back to the queue with the
            // connection, and the ingress, if it lost the connection too, has told the caller.
            LogUndelivered(logger, request.RequestId, request.Attempt, typeof(T).Name, "the connection is lost");
            return false;
        }

        var left = (request.Stream?.Deadline ?? request.AttemptDeadline) - time.GetUtcNow();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(broker.Losing);
        timeout.CancelAfter(left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left > AnswerTimeout ? AnswerTimeout : left);
        try
        {
            if (context.ResponseAddress is null)
            {
                // No ingress named itself (a test harness): answer as MassTransit's responses do.
                await context.Publish(answer, timeout.Token);
                return true;
            }

            // Through the bus, not the consume context: a send the context starts is awaited again
            // when the consumer returns, so one given up here (the connection closing) would fault
            // the message with a stack trace after this line has said what happened.
            var ingress = await bus.GetSendEndpoint(context.ResponseAddress);
            await ingress.Send(answer, sent => sent.RequestId = context.RequestId, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException || BrokerFaults.IsBrokerTrouble(ex))
        {
            LogUndelivered(logger, request.RequestId, request.Attempt, typeof(T).Name, ex.GetType().Name);
            return false;
        }
    }

    private async Task<CompletionResult> AttemptAsync(SubmitCompletion request, ConsumeContext context, CancellationToken cancellationToken)
    {
        var entry = manifest.Current?.FindByEndpointId(request.EndpointId);
        if (entry is null || !served.Serves(request.EndpointId))
        {
            return NotServed(request, entry is null ? "the endpoint is not in this dispatcher's manifest" : "this dispatcher does not serve the endpoint");
        }

        var key = string.Empty;
        if (!entry.IsMock && !served.TryGetKey(entry, out key))
        {
            return NotServed(request, "this dispatcher holds no key for the endpoint");
        }

        var scrubber = entry.IsMock ? KeyScrubber.None : new KeyScrubber(key);
        if (request.Stream is not null)
        {
            return await StreamAsync(entry, key, scrubber, request, context, cancellationToken);
        }

        if (entry.IsMock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return MockOverChat.Translates(request.Route) ? MockOverChat.Answer(mock, request) : mock.Answer(request);
        }

        var result = await upstream.SendAsync(entry, key, request, cancellationToken);
        return result with { Body = scrubber.Scrub(result.Body) };
    }

    private async Task<CompletionResult> StreamAsync(
        Contracts.Manifest.ManifestEntry entry, string key, KeyScrubber scrubber, SubmitCompletion request, ConsumeContext context, CancellationToken cancellationToken)
    {
        // Every stream is counted: the upstream is asked for its usage whether the caller asked or not —
        // unless its manifest entry says it refuses the option; then the body goes as the caller sent
        // it, and the ingress estimates what a stream used if the upstream does not say.
        // An upstream of another dialect (Anthropic) always reports its usage in its own events.
        var dialect = dialects.For(entry);
        var (body, callerAskedUsage) = entry.StreamUsage && dialect.TakesOpenAiBodies(request.Route) ? StreamUsage.Request(request.Body) : (request.Body, StreamUsage.CallerAsked(request.Body));
        IEventSource source;
        var started = time.GetTimestamp();
        if (entry.IsMock)
        {
            var (refused, events) = MockOverChat.Translates(request.Route) ? MockOverChat.Stream(mock, request, time) : MockStream.For(mock, request with { Body = body });
            if (refused is not null)
            {
                return refused;
            }

            source = events!;
        }
        else
        {
            var (opened, ended) = await upstream.OpenStreamAsync(entry, key, request, body, cancellationToken);
            if (ended is not null)
            {
                return ended with { Body = scrubber.Scrub(ended.Body) };
            }

            try
            {
                source = dialect.ReadEvents(request.Route, new UpstreamEvents(opened!, await opened!.Content.ReadAsStreamAsync(cancellationToken)));
            }
            catch
            {
                opened!.Dispose();
                throw;
            }
        }

        using (source)
        {
            await using var sender = new ChunkSender(outbox, context.ResponseAddress!, request, announcer.DispatcherId, instance.Address, () => time.GetElapsedTime(started).TotalMilliseconds, cancellationToken);
            return await relay.RelayAsync(request, source, callerAskedUsage, sender, scrubber, cancellationToken);
        }
    }

    /// <summary>
    /// Whether the ingress has stopped waiting for a dispatcher (and may have tried another
    /// endpoint: calling this one too could run the request twice); <paramref name="now"/> is when this was asked.
    /// </summary>
    private bool TooLate(SubmitCompletion request, out DateTimeOffset now)
    {
        now = time.GetUtcNow();
        if (now <= request.AcceptBy)
        {
            return false;
        }

        LogTooLate(logger, request.RequestId, request.Attempt, request.EndpointId);
        return true;
    }

    private static CompletionResult NotServed(SubmitCompletion request, string detail) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.NotServed, 0, string.Empty, detail);

    /// <summary>
    /// Whether the ingress still waits for an interactive message sent before this dispatcher could
    /// hear withdrawals (it started, or its connection to the broker came back, while the message
    /// waited on the queue); null when it was not
    /// asked. Only such messages are asked about, each at the cost of one round trip, never longer
    /// than the message may still be taken; no answer in time (an ingress of an earlier version, one
    /// that is gone, the broker away) is null too, and the message runs as before. Batch lines are
    /// never withdrawn, so they are not asked about.
    /// </summary>
    private async Task<bool?> WantedAsync(ConsumeContext<SubmitCompletion> context)
    {
        // The cheap tests first: nearly every message was sent after this dispatcher started.
        var request = context.Message;
        var left = request.AcceptBy - time.GetUtcNow();
        if (HearingSince() is not { } hearing
            || context.SentTime is not { } sent
            || sent >= (hearing + HearingMargin).UtcDateTime
            || context.ResponseAddress is not { } ingress
            || left <= TimeSpan.Zero
            || context.ReceiveContext.InputAddress.AbsolutePath.EndsWith(QueueNames.ForEndpointBatch(request.EndpointId), StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var timeout = left < StillWantedTimeout ? left : StillWantedTimeout;
            var client = bus.CreateRequestClient<AttemptStillWanted>(ingress, RequestTimeout.After(ms: Math.Max(1, (int)timeout.TotalMilliseconds)));
            var answer = await client.GetResponse<AttemptWanted>(new AttemptStillWanted(request.RequestId, request.Attempt), context.CancellationToken);
            return answer.Message.Wanted;
        }
        catch (Exception ex) when (BrokerFaults.IsBrokerTrouble(ex))
        {
            return null;
        }
    }

    /// <summary>Since when this dispatcher hears the withdrawals broadcast to it: since its bus started, or its connection last came back.</summary>
    private DateTimeOffset? HearingSince() =>
        (busStarted.StartedAt, broker.CameBackAt) switch
        {
            ({ } started, { } back) => back > started ? back : started,
            (var started, var back) => started ?? back,
        };

    [LoggerMessage(EventId = 3109, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} dropped unrun: its ingress withdrew it before this dispatcher started or reconnected")]
    private static partial void LogWithdrawnUnheard(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Request {RequestId} for {EndpointId}: {Outcome} {StatusCode}")]
    private static partial void LogAnswered(ILogger logger, Guid requestId, string endpointId, CompletionOutcome outcome, int statusCode);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Debug, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} dropped unrun: its ingress withdrew it while it was queued")]
    private static partial void LogWithdrawn(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} not taken: it arrived after the ingress stopped waiting for it")]
    private static partial void LogTooLate(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} aborted at the ingress's request")]
    private static partial void LogAborted(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} aborted: the connection to the broker was lost, so its answer could not be delivered")]
    private static partial void LogAbortedBrokerLost(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} delivered again: the dispatcher that took it first went away, so the upstream may receive it twice")]
    private static partial void LogRedelivered(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Request {RequestId} attempt {Attempt}: its {Answer} could not be delivered to the ingress ({Reason}); the broker is away")]
    private static partial void LogUndelivered(ILogger logger, Guid requestId, int attempt, string answer, string reason);
}
