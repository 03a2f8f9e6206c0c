using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Caching;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// Refuses a request whose user or group has used up a daily or monthly token budget. The totals
/// come from the durable daily totals written with the usage records (through <see cref="ITokenTotals"/>),
/// so a restart resets nothing and a check reads at most a month of daily rows; each is reused for
/// <c>Budgets:CacheSeconds</c>, so a budget can be overrun by what arrives within that time. When a
/// total expires under load, the requests that need it share one query.
/// </summary>
internal sealed partial class BudgetGuard(ITokenTotals totals, IMemoryCache cache, IOptions<BudgetOptions> options, TimeProvider time, ILogger<BudgetGuard> logger)
{
    private readonly SingleFlight<string, long> _queries = new();

    public async Task<ApiError?> CheckAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var budgets = CallerScopes.For(caller, o.Default, o.Users, o.Groups, b => b.IsSet);
        if (budgets.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var day = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (scope, description, budget) in budgets)
        {
            if (budget.TokensPerDay > 0 && await UsedAsync(scope, day, cancellationToken) >= budget.TokensPerDay)
            {
                return ApiErrors.BudgetExhausted($"the daily budget of {budget.TokensPerDay} tokens for {description}", day.AddDays(1), (int)(day.AddDays(1) - now).TotalSeconds + 1);
            }

            if (budget.TokensPerMonth > 0 && await UsedAsync(scope, month, cancellationToken) >= budget.TokensPerMonth)
            {
                return ApiErrors.BudgetExhausted($"the monthly budget of {budget.TokensPerMonth} tokens for {description}", month.AddMonths(1), (int)(month.AddMonths(1) - now).TotalSeconds + 1);
            }
        }

        return null;
    }

    private async Task<long> UsedAsync(string scope, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var from = DateOnly.FromDateTime(since.UtcDateTime);
        var key = $"budget:{scope}:{from.DayNumber}";
        if (cache.TryGetValue(key, out long used))
        {
            return used;
        }

        try
        {
            used = await _queries.RunAsync(key, _ => totals.TokensSinceAsync(scope, from, CancellationToken.None), cancellationToken);
        }
        catch (System.Data.Common.DbException ex)
        {
            // The usage records cannot be read: let the request through (as the rate limiter does
            // when Redis is away) and say so, rather than refuse everyone.
            LogUnavailable(logger, ex.GetType().Name);
            return 0;
        }

        if (options.Value.CacheSeconds > 0)
        {
            cache.Set(key, used, TimeSpan.FromSeconds(options.Value.CacheSeconds));
        }

        return used;
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Budgets cannot be checked, the usage records are unavailable ({Reason}); letting the request through")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
