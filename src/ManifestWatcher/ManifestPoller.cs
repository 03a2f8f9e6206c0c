using System.Security.Cryptography;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.ManifestWatcher;

/// <summary>
/// Reads the manifest now and then every <c>METIS_POLL_SECONDS</c>. An unreadable or broken
/// document keeps the last good manifest; an invalid entry is skipped with a logged reason; a
/// <see cref="ManifestChanged"/> is published only when the valid entries changed — and not again
/// when another watcher has published that change already.
/// </summary>
internal sealed partial class ManifestPoller(
    ManifestSource source,
    WatcherState state,
    IBus publisher,
    IOptions<ManifestSourceOptions> options,
    TimeProvider time,
    BusStarted busStarted,
    ILogger<ManifestPoller> logger) : BackgroundService
{
    private byte[]? _lastHash;
    private StatusManifest? _ownLast;
    private byte[]? _olderHash;
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await busStarted.WaitAsync(stoppingToken);
        LogWatching(logger, options.Value.SafeDescription, options.Value.PollSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds), time);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Publishing failed (the broker is away): nothing was committed, so the next poll tries again.
                LogPollFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One read of the manifest; returns true when a change was published. A manifest's version is
    /// when its source last modified it, if the source says (a file's modification time, HTTP
    /// <c>Last-Modified</c>), else when the read began. A change is published against the newest
    /// manifest known, which another watcher may have published: what it has published already is
    /// not published again, and a manifest older than the newest known (a copy that lags, such as
    /// a ConfigMap one node's kubelet has not updated yet) publishes nothing.
    /// </summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var readAt = time.GetUtcNow();
        ManifestDocument fetched;
        try
        {
            fetched = await source.FetchAsync(cancellationToken);
        }
        catch (ManifestUnavailableException ex)
        {
            LogUnavailable(logger, ex.Message, state.LastGood is null ? "no manifest has been read yet" : "keeping the last good manifest");
            _failing = true;
            return false;
        }

        if (_failing)
        {
            LogRecovered(logger);
            _failing = false;
        }

        var document = fetched.Bytes;
        var version = fetched.ModifiedAt ?? readAt;
        var hash = SHA256.HashData(document);
        if (_lastHash is not null && hash.AsSpan().SequenceEqual(_lastHash))
        {
            return false;
        }

        var result = ManifestParser.Parse(document);
        if (result.Manifest is null)
        {
            LogBroken(logger, result.Error!, state.LastGood is null ? "no manifest has been read yet" : "keeping the last good manifest");
            _lastHash = hash;
            return false;
        }

        foreach (var problem in result.Problems)
        {
            LogSkippedEntry(logger, problem.Entry, problem.Field, problem.Reason);
        }

        var latest = state.Latest;
        if (latest is not null && latest.Version > version)
        {
            if (ManifestDiff.Between(latest.Manifest, result.Manifest).IsEmpty)
            {
                // The manifest in force, in an older copy: nothing to do until the document changes.
                _ownLast = result.Manifest;
                _lastHash = hash;
                return false;
            }

            // A newer manifest is in force: this copy lags (or was put back with an older time). It
            // is read again at the next poll, and said once.
            if (_olderHash is null || !hash.AsSpan().SequenceEqual(_olderHash))
            {
                _olderHash = hash;
                LogOlderThanInForce(logger, version, latest.Version);
            }

            return false;
        }

        var diff = ManifestDiff.Between(latest?.Manifest, result.Manifest);
        if (latest is not null && diff.IsEmpty)
        {
            if (!latest.OwnRead && (_ownLast is null || !ManifestDiff.Between(_ownLast, result.Manifest).IsEmpty))
            {
                LogPublishedByPeer(logger, result.Manifest.Entries.Count);
            }

            _ownLast = result.Manifest;
            _lastHash = hash;
            return false;
        }

        // Committed only once published: a failed publish is retried by the next poll.
        await publisher.Publish(new ManifestChanged(result.Manifest, version), cancellationToken);
        state.TryTake(result.Manifest, version, ownRead: true);
        _ownLast = result.Manifest;
        _lastHash = hash;
        LogChanged(logger, result.Manifest.Entries.Count, result.Problems.Count, diff);
        return true;
    }

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Manifest not published: the source's copy was modified at {ModifiedAt:O}, before the manifest in force ({InForce:O}); a copy that lags catches up by itself, one put back with its old time needs a new one (touch it)")]
    private static partial void LogOlderThanInForce(ILogger logger, DateTimeOffset modifiedAt, DateTimeOffset inForce);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Manifest changed ({EntryCount} valid entries), as another watcher has published already")]
    private static partial void LogPublishedByPeer(ILogger logger, int entryCount);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Manifest poll failed; retrying at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Watching manifest {Source} every {PollSeconds} s")]
    private static partial void LogWatching(ILogger logger, string source, int pollSeconds);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Manifest unavailable: {Reason}; {Consequence}")]
    private static partial void LogUnavailable(ILogger logger, string reason, string consequence);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Manifest readable again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Manifest rejected: {Reason}; {Consequence}")]
    private static partial void LogBroken(ILogger logger, string reason, string consequence);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Manifest entry '{Entry}' skipped: field '{Field}' {Reason}")]
    private static partial void LogSkippedEntry(ILogger logger, string entry, string field, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Manifest changed: {EntryCount} valid entries, {SkippedCount} skipped; {Diff}")]
    private static partial void LogChanged(ILogger logger, int entryCount, int skippedCount, ManifestDiff diff);
}
