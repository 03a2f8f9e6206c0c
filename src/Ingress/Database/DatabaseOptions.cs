namespace BrokerGateway.Ingress.Database;

/// <summary>
/// Where the gateway's database is: a PostgreSQL server when <c>ConnectionStrings:Usage</c> names
/// one, else a SQLite file at <c>Usage:SqlitePath</c> (the keys kept from when it held only the
/// usage records).
/// </summary>
internal sealed class DatabaseOptions
{
    public const string ConnectionStringKey = "ConnectionStrings:Usage";
    public const string SqlitePathKey = "Usage:SqlitePath";

    /// <summary>Read when <see cref="ConnectionStringKey"/> is not set, as it was before.</summary>
    public const string FormerConnectionStringKey = "Usage:ConnectionString";

    /// <summary>A PostgreSQL connection string; when unset, the database is the SQLite file <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The SQLite file used when no PostgreSQL is named; relative to the working directory.</summary>
    public string SqlitePath { get; set; } = "brokergateway-usage.db";

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(ConnectionString);
}
