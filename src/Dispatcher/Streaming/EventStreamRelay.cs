using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Upstream;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Relays one stream from its source to the ingress: the first event must come before the
/// attempt's deadline (until then nothing is sent, and the ingress can still fail over); after it,
/// at most the idle timeout may pass between events and the stream ends by its own deadline. The
/// usage event is read on the way, and kept back if the caller did not ask for it; every event has
/// the endpoint's key taken out of it before it is relayed. The result says
/// how many chunks were sent and, if the stream broke off, why.
/// </summary>
internal sealed partial class EventStreamRelay(TimeProvider time, ILogger<EventStreamRelay> logger)
{
    public async Task<CompletionResult> RelayAsync(
        SubmitCompletion request, IEventSource source, bool callerAskedUsage, ChunkSender sender, KeyScrubber scrubber, CancellationToken cancellationToken)
    {
        var stream = request.Stream!;
        var readsChunks = request.Route is not (UpstreamRoute.Messages or UpstreamRoute.Responses);
        string? usage = null;
        var relayed = 0;
        var outcome = CompletionOutcome.Answered;
        string? failure = null;

        // One timer for the whole stream, set again before each event: the wait for the first
        // event ends at the attempt's deadline, every later wait after the idle timeout.
        using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        step.CancelAfter(Remaining(request.AttemptDeadline));
        var done = false;
        try
        {
            await foreach (var data in source.ReadEventsAsync(step.Token))
            {
                if (done)
                {
                    // Read on to the end of the response (a moment after [DONE]), so the upstream
                    // connection can be used again; nothing after [DONE] is relayed.
                    continue;
                }

                if (data.AsSpan().Trim().SequenceEqual("[DONE]"))
                {
                    done = true;
                    step.CancelAfter(Min(stream.IdleTimeout, TimeSpan.FromSeconds(1)));
                    continue;
                }

                step.CancelAfter(Min(stream.IdleTimeout, Remaining(stream.Deadline)));
                // OpenAI's chunks carry the usage; a source of another dialect reads it itself (below).
                if (readsChunks && StreamUsage.TryRead(data, out var reported, out var usageOnly))
                {
                    usage = reported;
                    if (usageOnly && !callerAskedUsage)
                    {
                        continue;
                    }
                }

                await sender.WriteAsync(scrubber.Scrub(data), cancellationToken);
                relayed++;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && done)
        {
            // The response did not end soon after [DONE]: the stream is complete all the same.
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = CompletionOutcome.TimedOut;
            failure = relayed == 0 ? "the upstream sent no event before the attempt's deadline"
                : time.GetUtcNow() >= stream.Deadline ? "the stream reached its deadline"
                : $"the upstream sent nothing for {stream.IdleTimeout.TotalSeconds:0.###} s";
        }
        catch (Dialects.UpstreamStreamError ex)
        {
            // Before the first event the ingress fails over, as for an error status; after, it ends the stream.
            outcome = CompletionOutcome.Unreachable;
            failure = $"the upstream's stream reported an error ({ex.Message})";
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            outcome = CompletionOutcome.Unreachable;
            failure = "the stream's chunks could not be sent to the ingress";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever broke the stream — the connection, a line too long, a body that cannot be
            // decoded — ends it as broken off, reported to the ingress rather than faulting.
            outcome = CompletionOutcome.Unreachable;
            failure = $"the upstream's stream broke off ({ex.GetType().Name})";
        }

        usage ??= (source as IReportsUsage)?.Usage;
        var chunks = await sender.CompleteAsync();
        if (chunks == 0 && outcome == CompletionOutcome.Answered)
        {
            // An empty stream is no answer: the ingress may try another endpoint.
            outcome = CompletionOutcome.Unreachable;
            failure = "the upstream's stream ended before any event";
        }

        if (chunks > 0 && failure is not null)
        {
            LogBrokenOff(logger, request.RequestId, request.EndpointId, chunks, failure);
        }

        return new CompletionResult(request.RequestId, request.Attempt, request.EndpointId, outcome,
            outcome == CompletionOutcome.Answered ? 200 : 0, usage ?? string.Empty, failure, StreamChunks: chunks);
    }

    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Stream of request {RequestId} from {EndpointId} broke off after {Chunks} chunks: {Failure}")]
    private static partial void LogBrokenOff(ILogger logger, Guid requestId, string endpointId, int chunks, string failure);
}
