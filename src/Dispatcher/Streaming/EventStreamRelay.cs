using BrokerGateway.Contracts.Messages;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Relays one stream from its source to the ingress: the first event must come before the
/// attempt's deadline (until then nothing is sent, and the ingress can still fail over); after it,
/// at most the idle timeout may pass between events and the stream ends by its own deadline. The
/// usage event is read on the way, and kept back if the caller did not ask for it. The result says
/// how many chunks were sent and, if the stream broke off, why.
/// </summary>
public sealed partial class EventStreamRelay(TimeProvider time, ILogger<EventStreamRelay> logger)
{
    public async Task<CompletionResult> RelayAsync(
        SubmitCompletion request, IEventSource source, bool callerAskedUsage, ChunkSender sender, CancellationToken cancellationToken)
    {
        var stream = request.Stream!;
        string? usage = null;
        var relayed = 0;
        var outcome = CompletionOutcome.Answered;
        string? failure = null;
        using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                var now = time.GetUtcNow();
                var wait = relayed == 0 ? request.AttemptDeadline - now : Min(stream.IdleTimeout, stream.Deadline - now);
                if (wait <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                step.CancelAfter(wait);
                string? data;
                try
                {
                    data = await source.ReadEventAsync(step.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException();
                }

                if (data is null || data.AsSpan().Trim().SequenceEqual("[DONE]"))
                {
                    break;
                }

                if (StreamUsage.TryRead(data, out var reported, out var usageOnly))
                {
                    usage = reported;
                    if (usageOnly && !callerAskedUsage)
                    {
                        continue;
                    }
                }

                await sender.WriteAsync(data, cancellationToken);
                relayed++;
            }
        }
        catch (TimeoutException)
        {
            var now = time.GetUtcNow();
            outcome = CompletionOutcome.TimedOut;
            failure = relayed == 0 ? "the upstream sent no event before the attempt's deadline"
                : now >= stream.Deadline ? "the stream reached its deadline"
                : $"the upstream sent nothing for {stream.IdleTimeout.TotalSeconds:0.###} s";
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            outcome = CompletionOutcome.Unreachable;
            failure = "the stream's chunks could not be sent to the ingress";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            outcome = CompletionOutcome.Unreachable;
            failure = $"the upstream's stream broke off ({ex.GetType().Name})";
        }

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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Stream of request {RequestId} from {EndpointId} broke off after {Chunks} chunks: {Failure}")]
    private static partial void LogBrokenOff(ILogger logger, Guid requestId, string endpointId, int chunks, string failure);
}
