using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BrokerGateway.Ingress.FairShare;

/// <summary>
/// The ledger in Redis, shared by every ingress replica: one hash, a field per account and user
/// holding the usage and when it was last brought up to date. An addition decays the held value to
/// its time and adds to it in one script, atomically; a reader decays what it reads to its own time,
/// and drops the fields that have decayed to nothing (unless they were added to meanwhile).
/// </summary>
internal sealed class RedisFairShareLedger(IConnectionMultiplexer redis, IOptions<FairShareOptions> options) : IFairShareLedger
{
    /// <summary>The hash that holds the ledger.</summary>
    public const string Key = "bg:fairshare:usage";

    /// <summary>Separates account and user in a field's name (neither holds a control character).</summary>
    private const char Separator = '\u001f';

    private const string AddScript = """
        local held = redis.call('HGET', KEYS[1], ARGV[1])
        local now = tonumber(ARGV[3])
        local value = 0
        if held then
            local colon = string.find(held, ':', 1, true)
            local old = tonumber(string.sub(held, 1, colon - 1))
            local at = tonumber(string.sub(held, colon + 1))
            if now > at then
                value = old * math.pow(2, -(now - at) / tonumber(ARGV[4]))
            else
                value = old
                now = at
            end
        end
        value = value + tonumber(ARGV[2])
        redis.call('HSET', KEYS[1], ARGV[1], string.format('%.17g', value) .. ':' .. string.format('%d', now))
        return 1
        """;

    /// <summary>Deletes each field given (name, then the value read) whose value is still the one read.</summary>
    private const string ForgetScript = """
        for i = 1, #ARGV, 2 do
            if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
                redis.call('HDEL', KEYS[1], ARGV[i])
            end
        end
        return 1
        """;

    public async Task AddAsync(string account, string user, double amount, long nowMs, CancellationToken cancellationToken)
    {
        await redis.GetDatabase().ScriptEvaluateAsync(
            AddScript,
            [Key],
            [account + Separator + user, amount.ToString("R", CultureInfo.InvariantCulture), nowMs, (options.Value.HalfLifeMinutes * 60_000).ToString("R", CultureInfo.InvariantCulture)]);
    }

    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(long nowMs, CancellationToken cancellationToken)
    {
        var halfLife = options.Value.HalfLifeMinutes * 60_000;
        var fields = await redis.GetDatabase().HashGetAllAsync(Key);
        var entries = new List<LedgerEntry>(fields.Length);
        var forgotten = new List<RedisValue>();
        foreach (var field in fields)
        {
            var name = (string?)field.Name ?? string.Empty;
            var value = (string?)field.Value ?? string.Empty;
            var separator = name.IndexOf(Separator, StringComparison.Ordinal);
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (separator < 0 || colon < 0
                || !double.TryParse(value.AsSpan(0, colon), NumberStyles.Float, CultureInfo.InvariantCulture, out var usage)
                || !long.TryParse(value.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var atMs))
            {
                continue;
            }

            var decayed = UsageDecay.At(usage, atMs, nowMs, halfLife);
            if (UsageDecay.IsForgotten(decayed))
            {
                forgotten.Add(field.Name);
                forgotten.Add(field.Value);
                continue;
            }

            entries.Add(new LedgerEntry(name[..separator], name[(separator + 1)..], decayed));
        }

        if (forgotten.Count > 0)
        {
            await redis.GetDatabase().ScriptEvaluateAsync(ForgetScript, [Key], [.. forgotten]);
        }

        return entries;
    }
}
