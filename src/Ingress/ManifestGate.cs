using BrokerGateway.Hosting.Manifest;

namespace BrokerGateway.Ingress;

/// <summary>
/// Holds the ingress's listener back until it has a status manifest to route by — asking the
/// watcher at once, the bus having started — for at most <see cref="MaxWait"/>: a replica started in
/// a rolling restart takes no request it would have to refuse with <c>manifest_unavailable</c>.
/// Without a manifest by then it listens all the same (and refuses until one arrives), so a
/// watcher that is down does not keep the gateway from starting.
/// </summary>
internal sealed partial class ManifestGate(ManifestStore store, ManifestBootstrapper bootstrapper, TimeProvider time, ILogger<ManifestGate> logger) : IHostedService
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(MaxWait);
        try
        {
            if (!await bootstrapper.AskOnceAsync(wait.Token, quiet: true))
            {
                await store.Loaded.WaitAsync(MaxWait, time, wait.Token);
            }
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogListeningWithout(logger, MaxWait.TotalSeconds);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "No status manifest after {Seconds} s: listening all the same, requests are refused until one arrives")]
    private static partial void LogListeningWithout(ILogger logger, double seconds);
}
