using BrokerGateway.Contracts.Messages;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>Keeps this process's manifest copy current; every process receives its own copy of the event.</summary>
public sealed partial class ManifestChangedConsumer(ManifestStore store, ILogger<ManifestChangedConsumer> logger) : IConsumer<ManifestChanged>
{
    public Task Consume(ConsumeContext<ManifestChanged> context)
    {
        if (store.Apply(context.Message.Manifest))
        {
            LogApplied(logger, context.Message.Manifest.Entries.Count);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Manifest updated: {EntryCount} valid entries")]
    private static partial void LogApplied(ILogger logger, int entryCount);
}
