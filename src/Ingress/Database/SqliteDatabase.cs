using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace BrokerGateway.Ingress.Database;

/// <summary>The gateway's database in a SQLite file: standalone needs no database server.</summary>
internal sealed class SqliteDatabase(string path) : GatewayDatabase
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();

    public override string IdentityColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    /// <summary>SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH.</summary>
    public override bool IsDataError(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 18 or 19 or 20 };

    public override DbConnection CreateConnection()
    {
        var connection = new SqliteConnection(_connectionString);

        // Write-ahead logging: readers (the usage API, budgets) never wait for the writer, and a
        // batch commits without a full sync of the main file.
        connection.StateChange += (_, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Open)
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA case_sensitive_like=ON;";
                pragma.ExecuteNonQuery();
            }
        };
        return connection;
    }

    protected override string TableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name";
}
