using BrokerGateway.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>
/// Keeps this process's manifest copy current; every process receives its own copy of the event.
/// A manifest older than the one held (from a second watcher whose copy of the source lags) is ignored.
/// </summary>
public sealed partial class ManifestChangedConsumer(ManifestStore store, ILogger<ManifestChangedConsumer> logger) : IConsumer<ManifestChanged>
{
    public Task Consume(ConsumeContext<ManifestChanged> context)
    {
        var message = context.Message;
        switch (store.Offer(message.Manifest, message.ChangedAt))
        {
            case ManifestOffer.Changed:
                LogApplied(logger, message.Manifest.Entries.Count);
                break;
            case ManifestOffer.Older:
                LogIgnoredOlder(logger, message.ChangedAt);
                break;
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Manifest updated: {EntryCount} valid entries")]
    private static partial void LogApplied(ILogger logger, int entryCount);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Manifest of {Version:O} ignored: the one held is newer")]
    private static partial void LogIgnoredOlder(ILogger logger, DateTimeOffset version);
}
