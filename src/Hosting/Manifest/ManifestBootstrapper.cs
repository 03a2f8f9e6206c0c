using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>
/// A service that starts after the watcher asks it for the manifest it holds, instead of waiting
/// blind for the next change. It asks again, backing off, until a manifest has arrived by either way.
/// </summary>
public sealed partial class ManifestBootstrapper(
    ManifestStore store,
    IClientFactory clients,
    TimeProvider time,
    BusStarted busStarted,
    ILogger<ManifestBootstrapper> logger) : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private int _attempts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await busStarted.WaitAsync(stoppingToken);
        var delay = TimeSpan.FromSeconds(1);
        var first = true;
        while (!stoppingToken.IsCancellationRequested && store.Current is null)
        {
            // A watcher that started with this service may not have read its source yet: only a
            // second empty answer is worth a warning.
            if (await AskOnceAsync(stoppingToken, quiet: first))
            {
                return;
            }

            first = false;

            await Task.WhenAny(store.Loaded, Task.Delay(delay, time, stoppingToken));
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    /// <summary>
    /// Asks the watcher once (the bus must have started); returns whether a manifest is held now.
    /// <paramref name="quiet"/>: an answer without a manifest, or none, is not logged (a watcher
    /// that has just started may not have read its source yet).
    /// </summary>
    public async Task<bool> AskOnceAsync(CancellationToken cancellationToken, bool quiet = false)
    {
        if (store.Current is not null)
        {
            return true;
        }

        var client = clients.CreateRequestClient<GetCurrentManifest>(
            Messaging.QueueNames.AddressOf(Messaging.QueueNames.ManifestWatcher), RequestTimeout.After(s: 5));
        try
        {
            var response = await client.GetResponse<CurrentManifest>(new GetCurrentManifest(Environment.MachineName), cancellationToken);
            if (response.Message.Manifest is { } manifest)
            {
                if (store.ApplyIfEmpty(manifest, response.Message.Version))
                {
                    LogReceived(logger, manifest.Entries.Count);
                }

                return true;
            }

            if (!quiet)
            {
                LogWatcherHasNone(logger);
            }
        }
        catch (RequestTimeoutException)
        {
            if (!quiet && Interlocked.Increment(ref _attempts) == 1)
            {
                LogWatcherSilent(logger);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The broker is away or the request failed: ask again after the back-off.
            LogAskFailed(logger, ex);
        }

        return store.Current is not null;
    }

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Asking the manifest watcher failed; asking again with back-off")]
    private static partial void LogAskFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Manifest received from the watcher at start: {EntryCount} valid entries")]
    private static partial void LogReceived(ILogger logger, int entryCount);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "The manifest watcher has not read a manifest yet; requests are refused until one arrives")]
    private static partial void LogWatcherHasNone(ILogger logger);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "No manifest watcher answered; asking again with back-off. Requests are refused until a manifest arrives")]
    private static partial void LogWatcherSilent(ILogger logger);
}
