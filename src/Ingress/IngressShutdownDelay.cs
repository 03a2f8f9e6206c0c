using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress;

/// <summary>
/// The start of a graceful stop (SIGTERM): for <c>Gateway:ShutdownDelaySeconds</c> the ingress goes
/// on taking requests before it stops listening, while <c>/health/ready</c> says 503 (a load
/// balancer takes the replica out) and every answer says <c>Connection: close</c> (a client lets
/// go of its kept-alive connection and opens its next one elsewhere). Without it, a client that
/// sends on a kept-alive connection just as the stopping server closes it sees its request fail,
/// and an orchestrator's endpoints lag the SIGTERM by a second or so. Runs before the web server
/// stops; with no delay it does nothing.
/// </summary>
internal sealed partial class IngressShutdownDelay(IOptions<IngressOptions> options, ILogger<IngressShutdownDelay> logger) : Hosting.StoppingStep
{
    public override async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var seconds = options.Value.ShutdownDelaySeconds;
        if (seconds == 0)
        {
            return;
        }

        LogDelaying(logger, seconds);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown timeout: stop now.
        }
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Stopping: taking requests for {Seconds} s more, answering Connection: close and not ready, before no longer listening")]
    private static partial void LogDelaying(ILogger logger, int seconds);
}
