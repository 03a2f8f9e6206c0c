using System.Text.Json;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using BrokerGateway.Hosting.Telemetry;
using BrokerGateway.Ingress.Auth;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Works through batches in the background of each ingress: takes the lease of one batch that has
/// work left, validates it, runs its lines a few at a time through the endpoints' batch queues,
/// and writes the result files. Everything it decides is in the database first, so an ingress
/// that stops mid-batch leaves nothing half-done that another (or the same, restarted) cannot
/// take over once the lease runs out: lines without a result are sent again, and a line's result
/// is written once only.
/// </summary>
internal sealed partial class BatchRunner(
    IBatchStore store,
    BatchValidator validator,
    BatchLineExecutor executor,
    BatchOutput output,
    TimeProvider time,
    IOptions<BatchOptions> options,
    GatewayMetrics metrics,
    ILogger<BatchRunner> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StatusCheck = TimeSpan.FromMilliseconds(500);
    private readonly string _holder = $"{Environment.MachineName}-{Guid.NewGuid():N}";
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RateLimiter? _pace = Pace(options.Value.MaxLinesPerSecond);

    /// <summary>A batch was created: look for work now rather than at the next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Several workers, each leasing its own batch: one batch that cannot progress holds up no other.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.ParallelBatches).Select(_ => WorkerAsync(stoppingToken)));

    private async Task WorkerAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            Batch? batch = null;
            try
            {
                var now = time.GetUtcNow();
                batch = await store.TryLeaseAsync(_holder, now, now + lease, stoppingToken);
                if (batch is null)
                {
                    await WaitForWorkAsync(stoppingToken);
                    continue;
                }

                await WorkAsync(batch, lease, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                // The lease was lost (another ingress has the batch now): look for other work.
                LogLeaseLost(logger, batch?.Id);
            }
            catch (Exception ex)
            {
                LogFailed(logger, batch?.Id, ex);
                await Task.Delay(Poll, time, CancellationToken.None);
            }
            finally
            {
                if (batch is not null)
                {
                    await ReleaseAsync(batch.Id);
                }
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        poll.CancelAfter(Poll);
        try
        {
            await _wake.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(Batch batch, TimeSpan lease, CancellationToken stoppingToken)
    {
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(batch.Id, lease, work);
        try
        {
            var owner = new CallerIdentity(batch.Owner, batch.Groups, "batch");
            while (await store.ReadAsync(batch.Id, work.Token) is { } current)
            {
                if (current.Status == BatchStatus.Validating && time.GetUtcNow() >= current.ExpiresAt)
                {
                    // Not even validated within its window (the gateway was away that long): it expires with nothing done.
                    await store.MoveAsync(current.Id, BatchStatus.Validating, BatchStatus.Expired, time.GetUtcNow(), work.Token);
                    return;
                }

                switch (current.Status)
                {
                    case BatchStatus.Validating:
                        await ValidateAsync(current, owner, work.Token);
                        break;
                    case BatchStatus.InProgress:
                        await RunLinesAsync(current, owner, work.Token);
                        break;
                    case BatchStatus.Finalizing:
                        await FinishAsync(current, BatchStatus.Finalizing, BatchStatus.Completed, work.Token);
                        return;
                    case BatchStatus.Cancelling:
                        await FinishAsync(current, BatchStatus.Cancelling, BatchStatus.Cancelled, work.Token);
                        return;
                    default:
                        return;
                }
            }
        }
        finally
        {
            await work.CancelAsync();
            await renewing;
        }
    }

    private async Task ValidateAsync(Batch batch, CallerIdentity owner, CancellationToken cancellationToken)
    {
        IReadOnlyList<BatchLine> lines;
        IReadOnlyList<BatchError> errors;
        try
        {
            (lines, errors) = await validator.ValidateAsync(batch, owner, options.Value.MaxLines, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not System.Data.Common.DbException)
        {
            // Whatever in the file the checks did not foresee fails this batch, not the runner.
            LogLineFailed(logger, batch.Id, 0, ex);
            (lines, errors) = ([], [new BatchError("invalid_file", "The input file could not be read as a batch.", null, null)]);
        }

        if (errors.Count > 0)
        {
            await store.MoveAsync(batch.Id, BatchStatus.Validating, BatchStatus.Failed, time.GetUtcNow(), cancellationToken, errors: ErrorList(errors));
            LogValidationFailed(logger, batch.Id, errors.Count);
            return;
        }

        await store.AddLinesAsync(batch.Id, lines, cancellationToken);
        await store.MoveAsync(batch.Id, BatchStatus.Validating, BatchStatus.InProgress, time.GetUtcNow(), cancellationToken, total: lines.Count);
    }

    /// <summary>Runs lines until none is left, the batch is cancelled, or it expires; lines already sent are seen through.</summary>
    private async Task RunLinesAsync(Batch batch, CallerIdentity owner, CancellationToken cancellationToken)
    {
        var concurrency = options.Value.Concurrency;
        var inFlight = new Dictionary<int, (BatchLine Line, Task<(BatchLineResult? Result, TimeSpan RetryAfter, bool RefusedForNow)> Run)>();
        var retries = new Dictionary<int, (BatchLine Line, DateTimeOffset NotBefore)>();
        var refusals = new Dictionary<int, int>();
        var cursor = 0;
        var lastCheck = DateTimeOffset.MinValue;
        var open = true;
        while (true)
        {
            var now = time.GetUtcNow();
            if (now - lastCheck >= StatusCheck)
            {
                // The owner may cancel at any moment: no new line is sent once they have.
                open = (await store.ReadAsync(batch.Id, cancellationToken))?.Status == BatchStatus.InProgress && now < batch.ExpiresAt;
                lastCheck = now;
            }

            var exhausted = false;
            if (open && inFlight.Count < concurrency)
            {
                // Lines whose retry is due first, then new ones from where the runner got to.
                var due = retries.Values.Where(r => r.NotBefore <= now).Select(r => r.Line).OrderBy(l => l.Number).Take(concurrency - inFlight.Count).ToList();
                var next = due.Count < concurrency - inFlight.Count
                    ? await store.PendingLinesAsync(batch.Id, cursor, concurrency - inFlight.Count - due.Count, cancellationToken)
                    : [];
                foreach (var line in due.Concat(next))
                {
                    if (_pace is not null)
                    {
                        using var token = await _pace.AcquireAsync(1, cancellationToken);
                    }

                    retries.Remove(line.Number);
                    inFlight[line.Number] = (line, RunOneAsync(batch, owner, line, refusals.GetValueOrDefault(line.Number), cancellationToken));
                    cursor = Math.Max(cursor, line.Number);
                }

                exhausted = next.Count == 0 && due.Count == 0;
            }

            if (inFlight.Count == 0)
            {
                if (!open)
                {
                    break;
                }

                if (exhausted && retries.Count == 0)
                {
                    await store.MoveAsync(batch.Id, BatchStatus.InProgress, BatchStatus.Finalizing, time.GetUtcNow(), cancellationToken);
                    return;
                }

                var earliest = retries.Count == 0 ? now + Poll : retries.Values.Min(r => r.NotBefore);
                await Task.Delay(Min(earliest - now, Poll), time, cancellationToken);
                continue;
            }

            await Task.WhenAny(inFlight.Values.Select(f => (Task)f.Run).Append(Task.Delay(StatusCheck, time, cancellationToken)));
            var results = new List<BatchLineResult>();
            foreach (var (number, (line, run)) in inFlight.Where(f => f.Value.Run.IsCompleted).ToList())
            {
                inFlight.Remove(number);
                var (result, retryAfter, refusedForNow) = await run;
                if (result is not null)
                {
                    results.Add(result);
                    refusals.Remove(number);
                }
                else
                {
                    retries[number] = (line, time.GetUtcNow() + retryAfter);
                    if (refusedForNow)
                    {
                        refusals[number] = refusals.GetValueOrDefault(number) + 1;
                    }
                }
            }

            if (results.Count > 0)
            {
                // The lines finished meanwhile are written together: one transaction, not one each.
                await store.CompleteLinesAsync(batch.Id, results, cancellationToken);
                foreach (var result in results)
                {
                    metrics.BatchLines.Add(1, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "completed" : "failed"));
                }
            }
        }

        if (time.GetUtcNow() >= batch.ExpiresAt && (await store.ReadAsync(batch.Id, cancellationToken))?.Status == BatchStatus.InProgress)
        {
            // The completion window has closed: what is left is reported as expired.
            await store.FailPendingAsync(batch.Id, BatchLineExecutor.ErrorObject("batch_expired", "The batch expired before this request was run."), cancellationToken);
            var (outputFile, errorFile) = await output.WriteAsync(batch, time.GetUtcNow(), cancellationToken);
            await store.MoveAsync(batch.Id, BatchStatus.InProgress, BatchStatus.Expired, time.GetUtcNow(), cancellationToken, outputFileId: outputFile, errorFileId: errorFile);
        }
    }

    private async Task<(BatchLineResult? Result, TimeSpan RetryAfter, bool RefusedForNow)> RunOneAsync(
        Batch batch, CallerIdentity owner, BatchLine line, int refusals, CancellationToken cancellationToken)
    {
        try
        {
            return await executor.RunAsync(batch, owner, line, refusals, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The line is not at fault for the gateway's trouble: it is tried again.
            LogLineFailed(logger, batch.Id, line.Number, ex);
            return (null, Poll, false);
        }
    }

    private async Task FinishAsync(Batch batch, string from, string to, CancellationToken cancellationToken)
    {
        var (outputFile, errorFile) = await output.WriteAsync(batch, time.GetUtcNow(), cancellationToken);
        await store.MoveAsync(batch.Id, from, to, time.GetUtcNow(), cancellationToken, outputFileId: outputFile, errorFileId: errorFile);
        LogFinished(logger, batch.Id, to);
    }

    private async Task RenewAsync(string batchId, TimeSpan lease, CancellationTokenSource work)
    {
        var heldUntil = time.GetUtcNow() + lease;
        try
        {
            while (true)
            {
                await Task.Delay(lease / 3, time, work.Token);
                try
                {
                    if (!await store.RenewLeaseAsync(batchId, _holder, time.GetUtcNow() + lease, work.Token))
                    {
                        // Another ingress has the batch now: stop working on it.
                        await work.CancelAsync();
                        return;
                    }

                    heldUntil = time.GetUtcNow() + lease;
                }
                catch (System.Data.Common.DbException) when (time.GetUtcNow() + (lease / 3) < heldUntil)
                {
                    // The database hiccuped: try again before the lease runs out.
                }
                catch (System.Data.Common.DbException)
                {
                    // The lease cannot be kept: stop before another ingress may take the batch.
                    await work.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReleaseAsync(string batchId)
    {
        try
        {
            await store.ReleaseLeaseAsync(batchId, _holder, CancellationToken.None);
        }
        catch (System.Data.Common.DbException)
        {
            // The lease runs out by itself.
        }
    }

    private static string ErrorList(IReadOnlyList<BatchError> errors) =>
        JsonSerializer.Serialize(new BatchErrorList("list", errors.Select(e => new BatchErrorItem(e.Code, e.Message, e.Param, e.Line)).ToList()), BatchesJson.Gateway.BatchErrorList);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A token bucket refilled every 50 ms, so lines start evenly rather than in bursts.</summary>
    private static TokenBucketRateLimiter? Pace(int linesPerSecond) => linesPerSecond == 0 ? null : new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = Math.Max(1, linesPerSecond / 20),
        TokensPerPeriod = Math.Max(1, linesPerSecond / 20),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(50),
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    public override void Dispose()
    {
        _pace?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Working on batch {BatchId} failed; trying again")]
    private static partial void LogFailed(ILogger logger, string? batchId, Exception exception);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Batch {BatchId} failed validation with {Count} errors")]
    private static partial void LogValidationFailed(ILogger logger, string batchId, int count);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Line {Line} of batch {BatchId} could not be run; trying again")]
    private static partial void LogLineFailed(ILogger logger, string batchId, int line, Exception exception);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Lost the lease of batch {BatchId}: another ingress has taken it over")]
    private static partial void LogLeaseLost(ILogger logger, string? batchId);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Batch {BatchId} is {Status}")]
    private static partial void LogFinished(ILogger logger, string batchId, string status);
}
