using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// Requests and tokens per minute, per user and per group, in fixed one-minute windows: within a
/// window exactly the limit passes. Tokens are estimated from the request's size before the call
/// and corrected with the upstream's <c>usage</c> after it. A request refused by one limit is
/// taken back from every counter it touched. If the counters cannot be reached (Redis down), the
/// request is let through and the outage logged: a limit store outage does not take the gateway down.
/// </summary>
internal sealed partial class GatewayRateLimiter(IRateCounter counter, IOptions<RateLimitOptions> options, TimeProvider time, ILogger<GatewayRateLimiter> logger)
{
    private static readonly TimeSpan CounterLifetime = TimeSpan.FromMinutes(2);

    /// <summary>About four bytes of JSON a token: a deliberately rough, cheap estimate, corrected afterwards.</summary>
    public static int Estimate(int bodyBytes) => Math.Max(1, bodyBytes / 4);

    public async Task<RateLease> AcquireAsync(CallerIdentity caller, int estimatedTokens, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var limits = CallerScopes.For(caller, o.Default, o.Users, o.Groups, l => l.IsSet);
        if (limits.Count == 0)
        {
            return RateLease.Unlimited;
        }

        var now = time.GetUtcNow();
        var window = now.ToUnixTimeSeconds() / 60;
        var reset = (int)((window + 1) * 60 - now.ToUnixTimeSeconds());
        var taken = new List<(string Key, long Amount)>();
        (long Limit, long Remaining)? requests = null;
        (long Limit, long Remaining)? tokens = null;
        string? exceeded = null;
        try
        {
            foreach (var (scope, description, limit) in limits)
            {
                if (limit.RequestsPerMinute > 0)
                {
                    var key = $"bg:rl:{window}:req:{scope}";
                    var count = await counter.AddAsync(key, 1, CounterLifetime, cancellationToken);
                    taken.Add((key, 1));
                    requests = Tighter(requests, (limit.RequestsPerMinute, limit.RequestsPerMinute - count));
                    exceeded ??= count > limit.RequestsPerMinute ? $"{limit.RequestsPerMinute} requests per minute for {description}" : null;
                }

                if (limit.TokensPerMinute > 0)
                {
                    var key = $"bg:rl:{window}:tok:{scope}";
                    var count = await counter.AddAsync(key, estimatedTokens, CounterLifetime, cancellationToken);
                    taken.Add((key, estimatedTokens));
                    tokens = Tighter(tokens, (limit.TokensPerMinute, limit.TokensPerMinute - count));
                    exceeded ??= count > limit.TokensPerMinute ? $"{limit.TokensPerMinute} tokens per minute for {description}" : null;
                }
            }

            if (exceeded is not null)
            {
                foreach (var (key, amount) in taken)
                {
                    await counter.AddAsync(key, -amount, CounterLifetime, cancellationToken);
                }

                return new RateLease(ApiErrors.RateLimited(exceeded, reset), [], estimatedTokens, requests, tokens, reset, window);
            }
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return RateLease.Unlimited;
        }

        return new RateLease(null, taken.Where(t => t.Key.Contains(":tok:", StringComparison.Ordinal)).Select(t => t.Key).ToArray(), estimatedTokens, requests, tokens, reset, window);
    }

    /// <summary>
    /// Replaces the estimate with what the upstream reported. In the same window the difference is
    /// applied; once a new window has begun (a long generation), the reported tokens are charged to
    /// the window they were used in, and the old window keeps its estimate.
    /// </summary>
    public async Task CorrectAsync(RateLease lease, int actualTokens, CancellationToken cancellationToken)
    {
        var window = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var sameWindow = window == lease.Window;
        var amount = sameWindow ? actualTokens - lease.EstimatedTokens : actualTokens;
        if (amount == 0)
        {
            return;
        }

        try
        {
            foreach (var key in lease.TokenKeys)
            {
                var target = sameWindow ? key : key.Replace($"bg:rl:{lease.Window}:", $"bg:rl:{window}:", StringComparison.Ordinal);
                await counter.AddAsync(target, amount, CounterLifetime, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name);
        }
    }

    private static (long Limit, long Remaining) Tighter((long Limit, long Remaining)? current, (long Limit, long Remaining) candidate) =>
        current is { } c && c.Remaining <= candidate.Remaining ? c : candidate;

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Rate limit counters unavailable ({Reason}); letting the request through")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
