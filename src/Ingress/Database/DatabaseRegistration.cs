using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Database;

public static class DatabaseRegistration
{
    /// <summary>
    /// The gateway's database and its migrations. Call it before adding anything that touches the
    /// database: its migrator is a hosted service, and hosted services start in the order added.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().Configure<IConfiguration>((o, c) =>
        {
            // Usage:ConnectionString bound through the usage options before the database was a module of its own.
            o.ConnectionString = (c[DatabaseOptions.ConnectionStringKey] is { Length: > 0 } named ? named : null)
                ?? (c[DatabaseOptions.FormerConnectionStringKey] is { Length: > 0 } former ? former : null);
            o.SqlitePath = c[DatabaseOptions.SqlitePathKey] is { Length: > 0 } path ? path : o.SqlitePath;
        });
        builder.Services.AddSingleton<GatewayDatabase>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return o.UsesPostgres ? new PostgresDatabase(o.ConnectionString!) : new SqliteDatabase(Path.GetFullPath(o.SqlitePath));
        });
        builder.Services.AddSingleton<IDatabase>(sp => sp.GetRequiredService<GatewayDatabase>());
        builder.Services.AddHostedService<DatabaseMigrator>();
        return builder;
    }
}
