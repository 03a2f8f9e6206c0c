using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// Writes queued usage records in batches, one transaction each (the schema is migrated before,
/// by <see cref="DatabaseMigrator"/>). A batch that fails is retried with back-off, never dropped; at a graceful
/// stop, every queued record is written before the service exits.
/// </summary>
internal sealed partial class UsageWriter(
    IUsageStore store,
    UsageRecorder recorder,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageWriter> logger) : BackgroundService
{
    private const int StopAttempts = 5;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests have stopped by now (the server stops first): let the writer drain the queue.
        recorder.Complete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<UsageRecord>(options.Value.BatchSize);
        var reader = recorder.Reader;
        var flush = TimeSpan.FromMilliseconds(options.Value.FlushMilliseconds);
        var full = false;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            // Let records gather for a moment, so a busy gateway commits a few large transactions
            // rather than one per request; a full batch is followed at once, and a stop cuts the wait.
            if (!full && !stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(flush, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                }
            }

            while (batch.Count < options.Value.BatchSize && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            full = batch.Count == options.Value.BatchSize;
            await WriteAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<UsageRecord> batch, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.InsertAsync(batch, CancellationToken.None);
                return;
            }
            catch (System.Data.Common.DbException ex) when (store.IsDataError(ex))
            {
                if (batch.Count == 1)
                {
                    LogRefused(logger, batch[0].RequestId, ex.GetType().Name);
                    return;
                }

                // One row the database refuses must not hold up the others: write them one by one,
                // each with the same retries, so that an outage meanwhile is waited out, not fatal.
                foreach (var record in batch)
                {
                    await WriteAsync([record], stoppingToken);
                }

                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                LogWriteFailed(logger, batch.Count, ex);
                if (stoppingToken.IsCancellationRequested && attempt >= StopAttempts)
                {
                    // Stopping, and the database stays away: say what is lost rather than hang the stop.
                    LogLost(logger, batch.Count);
                    return;
                }

                await Task.Delay(delay, time, CancellationToken.None);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Usage record of request {RequestId} refused by the database ({Reason}); set aside")]
    private static partial void LogRefused(ILogger logger, Guid requestId, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Writing {Count} usage records failed; retrying")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Critical, Message = "{Count} usage records could not be written before the service stopped")]
    private static partial void LogLost(ILogger logger, int count);
}
