using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BrokerGateway.Ingress.FairShare;

internal static class FairShareRegistration
{
    /// <summary>
    /// Fair share: the account a request is charged to (always, for its usage row), and — with
    /// <c>FairShare:Enabled</c> — the ledger (in Redis when <c>REDIS_URL</c> is set, shared by every
    /// replica) and the standing that orders waiting requests.
    /// </summary>
    public static IHostApplicationBuilder AddFairShare(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FairShareOptions>().BindConfiguration(FairShareOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FairShareOptions>, FairShareOptionsValidator>();
        builder.Services.AddSingleton<AccountSelector>();
        // A value that is not a boolean is reported by the bus options' validator, naming the key, as the service starts.
        if (bool.TryParse(builder.Configuration[Hosting.Messaging.BusOptions.FairShareKey], out var enabled) && enabled)
        {
            if (builder.Configuration[Limits.RateLimitOptions.RedisUrlKey] is { Length: > 0 })
            {
                builder.Services.AddSingleton<IFairShareLedger>(sp => new RedisFairShareLedger(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<FairShareOptions>>()));
            }
            else
            {
                builder.Services.AddSingleton<IFairShareLedger, MemoryFairShareLedger>();
            }

            builder.Services.AddSingleton<FairShareState>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<FairShareState>());
        }

        return builder;
    }
}
