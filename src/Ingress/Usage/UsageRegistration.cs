using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Usage;

public static class UsageRegistration
{
    /// <summary>
    /// Usage records: SQLite file by default, PostgreSQL when <c>ConnectionStrings:Usage</c> names
    /// one; written off the request path. Call it before adding anything else that touches the
    /// database, so that its migrations run first.
    /// </summary>
    public static IHostApplicationBuilder AddUsageRecords(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageOptions>()
            .BindConfiguration(UsageOptions.Section)
            .Configure<IConfiguration>((o, c) =>
            {
                if (c[UsageOptions.ConnectionStringKey] is { Length: > 0 } connectionString)
                {
                    o.ConnectionString = connectionString;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SqlUsageStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<UsageOptions>>().Value;
            return o.UsesPostgres ? new PostgresUsageStore(o.ConnectionString!) : new SqliteUsageStore(Path.GetFullPath(o.SqlitePath));
        });
        builder.Services.AddSingleton<IUsageStore>(sp => sp.GetRequiredService<SqlUsageStore>());
        builder.Services.AddSingleton<IDatabase>(sp => sp.GetRequiredService<SqlUsageStore>());
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService<UsageWriter>();
        return builder;
    }
}
