using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Database;

internal static class DatabaseRegistration
{
    /// <summary>
    /// The gateway's database and its migrations. Call it before adding anything that touches the
    /// database: its migrator is a hosted service, and hosted services start in the order added.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().Configure<IConfiguration>((o, c) =>
        {
            string? Set(string key) => c[key] is { Length: > 0 } value ? value : null;

            // Usage:ConnectionString bound through the usage options before the database was a module of its own.
            o.ConnectionString = Set(DatabaseOptions.ConnectionStringKey) ?? Set(DatabaseOptions.FormerConnectionStringKey);
            o.SqlitePath = Set(DatabaseOptions.SqlitePathKey) ?? o.SqlitePath;
        });
        builder.Services.AddSingleton<GatewayDatabase>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return o.UsesPostgres ? new PostgresDatabase(o.ConnectionString!) : new SqliteDatabase(Path.GetFullPath(o.SqlitePath));
        });
        builder.Services.AddSingleton<IDatabase>(sp => sp.GetRequiredService<GatewayDatabase>());
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [Hosting.Telemetry.GatewayHealth.Ready]);
        return builder;
    }
}
