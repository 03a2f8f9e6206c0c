using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>
/// This ingress's view of fair share: it charges each request's usage to its account in the
/// ledger, and reads the ledger back every <see cref="RefreshInterval"/> into the
/// <see cref="Standing"/> from which a request's queue priority is taken — a lookup, so that the
/// request path never waits on Redis. Charging never fails a request: a ledger that cannot be
/// written is logged, and the standing stays what it was until it can be read again.
/// </summary>
internal sealed partial class FairShareState(
    IFairShareLedger ledger, IOptions<FairShareOptions> options, TimeProvider time, ILogger<FairShareState> logger) : BackgroundService
{
    /// <summary>How often the standing is computed afresh from the ledger.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private int _failing;

    public FairShareStanding Standing { get; private set; } = FairShareStanding.Empty;

    /// <summary>The priority of a request of <paramref name="user"/> charged to <paramref name="account"/>.</summary>
    public byte PriorityOf(string account, string user) => Standing.PriorityOf(account, user);

    /// <summary>
    /// A request is sent on: counted in tokens, its estimate (the rate limiter's, from its size) is
    /// charged to its account at once, so that what an account has waiting in line weighs on the
    /// place of its next requests. Returns what was charged (0 when usage is counted in seconds,
    /// which are known only at the end).
    /// </summary>
    public int Admit(string account, string user, int estimatedTokens)
    {
        if (options.Value.UsageUnit != FairShareUnit.Tokens || estimatedTokens <= 0)
        {
            return 0;
        }

        _ = ChargeAsync(account, user, estimatedTokens);
        return estimatedTokens;
    }

    /// <summary>
    /// A request has ended: its account is charged what it used — the tokens the upstream reported
    /// in place of the estimate charged when it was sent, or the seconds it spent at the upstream —
    /// without waiting.
    /// </summary>
    public void Settle(string account, string user, int chargedEstimate, int tokens, double? upstreamMilliseconds)
    {
        var amount = options.Value.UsageUnit == FairShareUnit.Seconds ? (upstreamMilliseconds ?? 0) / 1000 : tokens - chargedEstimate;
        if (amount != 0)
        {
            _ = ChargeAsync(account, user, amount);
        }
    }

    /// <summary>Reads the ledger now (the refresh does this every second; tests and the API may not want to wait).</summary>
    public async Task<FairShareStanding> RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entries = await ledger.ReadAsync(now.ToUnixTimeMilliseconds(), cancellationToken);
        var standing = FairShareStanding.Compute(entries, options.Value, now);
        Standing = standing;
        return standing;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (Interlocked.Exchange(ref _failing, 0) == 1)
                {
                    LogReadAgain(logger);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (Interlocked.Exchange(ref _failing, 1) == 0)
                {
                    LogReadFailed(logger, ex.GetType().Name, ex.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task ChargeAsync(string account, string user, double amount)
    {
        try
        {
            await ledger.AddAsync(account, user, amount, time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogChargeFailed(logger, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Fair share: usage could not be charged to the ledger ({Reason}: {Detail})")]
    private static partial void LogChargeFailed(ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Fair share: the ledger could not be read ({Reason}: {Detail}); queue priorities stay as they were until it can")]
    private static partial void LogReadFailed(ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Fair share: the ledger is read again")]
    private static partial void LogReadAgain(ILogger logger);
}
