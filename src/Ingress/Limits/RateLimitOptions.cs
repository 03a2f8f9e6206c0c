namespace BrokerGateway.Ingress.Limits;

/// <summary>Requests and tokens per minute; 0 means no limit.</summary>
internal sealed class RateLimit
{
    public int RequestsPerMinute { get; set; }

    public int TokensPerMinute { get; set; }

    public bool IsSet => RequestsPerMinute > 0 || TokensPerMinute > 0;
}

/// <summary>
/// Rate limits (section <c>RateLimits</c>): <see cref="Default"/> for every user, overridden per user
/// in <see cref="Users"/>; <see cref="Groups"/> limit a whole group together. A request must fit
/// under every limit that applies to its caller.
/// </summary>
internal sealed class RateLimitOptions
{
    public const string Section = "RateLimits";
    public const string RedisUrlKey = "REDIS_URL";

    public RateLimit Default { get; set; } = new();

    public Dictionary<string, RateLimit> Users { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, RateLimit> Groups { get; set; } = new(StringComparer.Ordinal);
}
