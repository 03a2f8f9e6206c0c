using StackExchange.Redis;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// Counters in Redis (<c>REDIS_URL</c>), shared by every ingress replica, so that limits hold in
/// total. INCRBY and the expiry are applied together by one script, atomically.
/// </summary>
internal sealed class RedisRateCounter(IConnectionMultiplexer redis) : IRateCounter
{
    private const string Script = """
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return value
        """;

    public async Task<long> AddAsync(string key, long amount, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Script, [key], [amount, (long)lifetime.TotalMilliseconds]);
        return (long)result;
    }

    /// <summary>A StackExchange.Redis configuration from <c>redis://[:password@]host:port</c> or a plain <c>host:port[,options]</c>.</summary>
    public static ConfigurationOptions Configuration(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == "redis" || uri.Scheme == "rediss"))
        {
            var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss", AbortOnConnectFail = false };
            options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
            var credentials = Uri.UnescapeDataString(uri.UserInfo);
            if (credentials.Length > 0)
            {
                var colon = credentials.IndexOf(':', StringComparison.Ordinal);
                options.User = colon > 0 ? credentials[..colon] : null;
                options.Password = colon >= 0 ? credentials[(colon + 1)..] : credentials;
            }

            return options;
        }

        var parsed = ConfigurationOptions.Parse(url);
        parsed.AbortOnConnectFail = false;
        return parsed;
    }
}
