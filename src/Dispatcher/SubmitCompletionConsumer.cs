using BrokerGateway.Contracts.Messages;
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
/// upstream's events to the ingress as they come, then answers with how the stream ended.
/// </summary>
public sealed partial class SubmitCompletionConsumer(
    ManifestStore manifest,
    ServedEndpoints served,
    UpstreamClient upstream,
    MockProvider mock,
    InFlightCalls calls,
    DispatcherAnnouncer announcer,
    InstanceEndpoint instance,
    EventStreamRelay relay,
    TimeProvider time,
    ILogger<SubmitCompletionConsumer> logger) : IConsumer<SubmitCompletion>
{
    /// <summary>How long an attempt may run before the ingress is told separately that it was taken.</summary>
    public static readonly TimeSpan AcknowledgeAfter = TimeSpan.FromMilliseconds(50);

    public async Task Consume(ConsumeContext<SubmitCompletion> context)
    {
        var request = context.Message;
        if (time.GetUtcNow() > request.AcceptBy)
        {
            // The ingress stopped waiting for a dispatcher and may have tried another endpoint:
            // calling this one too could run the request twice.
            LogTooLate(logger, request.RequestId, request.Attempt, request.EndpointId);
            return;
        }

        using var call = calls.Begin(request.RequestId, request.Attempt, context.CancellationToken);
        var started = time.GetTimestamp();
        var attempt = AttemptAsync(request, context, call.Token);

        // A quick answer is its own acknowledgement; only a call still running after a moment is
        // acknowledged separately, which saves a message per request on the broker.
        if (!attempt.IsCompleted && await Task.WhenAny(attempt, Task.Delay(AcknowledgeAfter, time, CancellationToken.None)) != attempt)
        {
            await context.RespondAsync(new CompletionAccepted(request.RequestId, request.Attempt, announcer.DispatcherId, instance.Address));
        }

        CompletionResult result;
        try
        {
            result = await attempt;
        }
        catch (OperationCanceledException) when (call.Token.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Cancelled by the ingress: the upstream call is aborted and nobody waits for an answer.
            LogAborted(logger, request.RequestId, request.Attempt, request.EndpointId);
            return;
        }

        LogAnswered(logger, request.RequestId, request.EndpointId, result.Outcome, result.StatusCode);
        await context.RespondAsync(result with { UpstreamMilliseconds = time.GetElapsedTime(started).TotalMilliseconds });
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

        if (request.Stream is not null)
        {
            return await StreamAsync(entry, key, request, context, cancellationToken);
        }

        if (entry.IsMock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return mock.Answer(request);
        }

        return await upstream.SendAsync(entry, key, request, cancellationToken);
    }

    private async Task<CompletionResult> StreamAsync(
        Contracts.Manifest.ManifestEntry entry, string key, SubmitCompletion request, ConsumeContext context, CancellationToken cancellationToken)
    {
        // Every stream is counted: the upstream is asked for its usage whether the caller asked or not —
        // unless its manifest entry says it refuses the option; then the body goes as the caller sent
        // it, and the ingress estimates what a stream used if the upstream does not say.
        var (body, callerAskedUsage) = entry.StreamUsage ? StreamUsage.Request(request.Body) : (request.Body, StreamUsage.CallerAsked(request.Body));
        IEventSource source;
        if (entry.IsMock)
        {
            var (refused, events) = MockStream.For(mock, request with { Body = body });
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
                return ended;
            }

            try
            {
                source = new UpstreamEvents(opened!, await opened!.Content.ReadAsStreamAsync(cancellationToken));
            }
            catch
            {
                opened!.Dispose();
                throw;
            }
        }

        using (source)
        {
            var ingress = await context.GetSendEndpoint(context.ResponseAddress!);
            await using var sender = new ChunkSender(ingress, request, announcer.DispatcherId, instance.Address, cancellationToken);
            return await relay.RelayAsync(request, source, callerAskedUsage, sender, cancellationToken);
        }
    }

    private static CompletionResult NotServed(SubmitCompletion request, string detail) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.NotServed, 0, string.Empty, detail);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Request {RequestId} for {EndpointId}: {Outcome} {StatusCode}")]
    private static partial void LogAnswered(ILogger logger, Guid requestId, string endpointId, CompletionOutcome outcome, int statusCode);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} not taken: it arrived after the ingress stopped waiting for it")]
    private static partial void LogTooLate(ILogger logger, Guid requestId, int attempt, string endpointId);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Request {RequestId} attempt {Attempt} for {EndpointId} aborted at the ingress's request")]
    private static partial void LogAborted(ILogger logger, Guid requestId, int attempt, string endpointId);
}
