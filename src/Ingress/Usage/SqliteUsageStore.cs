using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace BrokerGateway.Ingress.Usage;

/// <summary>Usage records in a SQLite file: standalone needs no database server.</summary>
public sealed class SqliteUsageStore(string path) : SqlUsageStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();

    protected override string IdentityColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);
}
