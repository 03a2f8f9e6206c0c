using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BrokerGateway.Ingress.Limits;

internal static class RateLimitRegistration
{
    /// <summary>Rate limits — their counters in Redis when <c>REDIS_URL</c> is set, in this process otherwise — and token budgets.</summary>
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(
                o => new[] { o.Default }.Concat(o.Users.Values).Concat(o.Groups.Values).All(l => l.RequestsPerMinute >= 0 && l.TokensPerMinute >= 0),
                $"{RateLimitOptions.Section}: RequestsPerMinute and TokensPerMinute must be 0 (no limit) or more")
            .ValidateOnStart();
        if (builder.Configuration[RateLimitOptions.RedisUrlKey] is { Length: > 0 } url)
        {
            builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(RedisRateCounter.Configuration(url)));
            builder.Services.AddSingleton<IRateCounter, RedisRateCounter>();
            builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [Hosting.Telemetry.GatewayHealth.Ready]);
        }
        else
        {
            builder.Services.AddSingleton<IRateCounter, MemoryRateCounter>();
        }

        builder.Services.AddSingleton<GatewayRateLimiter>();
        builder.Services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.Section)
            .Validate(
                o => o.CacheSeconds is >= 0 and <= 3600 && new[] { o.Default }.Concat(o.Users.Values).Concat(o.Groups.Values).All(b => b.TokensPerDay >= 0 && b.TokensPerMonth >= 0),
                $"{BudgetOptions.Section}: budgets must be 0 (none) or more, CacheSeconds from 0 to 3600")
            .ValidateOnStart();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<BudgetGuard>();
        return builder;
    }
}
