using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace BrokerGateway.Ingress.Limits;

/// <summary>Ready when Redis, which holds the rate limits' counters shared by the replicas, answers a ping.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Redis cannot be reached ({ex.GetType().Name})");
        }
    }
}
