using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// A graceful stop (SIGTERM) of a dispatcher over RabbitMQ, before the bus stops: it has every call
/// in flight acknowledged to its ingress, tells the ingresses it takes no more requests, stops
/// consuming (what is still queued goes to the other dispatchers), lets the calls in flight finish for up to <c>DISPATCHER_DRAIN_SECONDS</c>, aborts
/// what is left — each such request is answered as failed, so its ingress tries another endpoint
/// at once — and says goodbye. Standalone the ingress stops first and its requests are done by the
/// time the in-process dispatcher stops, so nothing needs draining there.
/// </summary>
internal sealed partial class DispatcherDrain(
    EndpointQueueConnector queues,
    DispatcherAnnouncer announcer,
    InFlightCalls calls,
    IOptions<DispatcherOptions> options,
    IOptions<BusOptions> bus,
    TimeProvider time,
    ILogger<DispatcherDrain> logger) : Hosting.StoppingStep
{
    /// <summary>How long the requests aborted at the end of the grace get to send their answers.</summary>
    private static readonly TimeSpan LastAnswers = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public override async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (!bus.Value.UsesRabbitMq)
        {
            return;
        }

        var started = time.GetTimestamp();
        var grace = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(grace);
        try
        {
            // First every call in flight tells its ingress it is taken: an ingress that heard of the
            // drain before that would send it elsewhere as well, and it would run twice upstream.
            calls.AcknowledgeAll();
            using (var acknowledging = CancellationTokenSource.CreateLinkedTokenSource(drain.Token))
            {
                acknowledging.CancelAfter(LastAnswers);
                await WhileAsync(() => calls.Unacknowledged > 0, acknowledging.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await announcer.DrainAsync(drain.Token);
            await queues.StopConsumingAsync(drain.Token);
            await WhileCallsRunAsync(drain.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The grace is over.
        }

        var left = calls.Count;
        if (left > 0)
        {
            LogAborting(logger, left, options.Value.DrainSeconds);
            calls.CancelAll();
            using var answers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            answers.CancelAfter(LastAnswers);
            try
            {
                await WhileCallsRunAsync(answers.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await announcer.SayGoodbyeAsync(cancellationToken);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        LogDrained(logger, seconds);
    }

    /// <summary>Returns when no call runs any more (the calls end on their own; this only looks).</summary>
    private Task WhileCallsRunAsync(CancellationToken cancellationToken) => WhileAsync(() => calls.Count > 0, cancellationToken);

    private async Task WhileAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (condition())
        {
            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "{Count} calls still running after the drain grace of {Seconds} s: aborted, their ingresses try elsewhere")]
    private static partial void LogAborting(ILogger logger, int count, int seconds);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Drained in {Seconds:0.0} s: no more requests taken, every call in flight finished")]
    private static partial void LogDrained(ILogger logger, double seconds);
}
