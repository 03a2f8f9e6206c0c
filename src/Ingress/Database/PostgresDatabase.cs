using System.Data.Common;
using Npgsql;

namespace BrokerGateway.Ingress.Database;

/// <summary>The gateway's database in PostgreSQL, shared by every ingress replica.</summary>
internal sealed class PostgresDatabase(string connectionString) : GatewayDatabase
{
    /// <summary>An arbitrary key for the advisory lock that serialises migrations between replicas.</summary>
    private const long MigrationLock = 7_304_120_211;

    public override string IdentityColumn => "BIGSERIAL PRIMARY KEY";

    /// <summary>SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).</summary>
    public override bool IsDataError(DbException exception) =>
        exception is PostgresException { SqlState: var state } && (state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal));

    public override DbConnection CreateConnection() => new NpgsqlConnection(connectionString);

    /// <summary>Waits for writes in flight to commit and holds new ones back, so that a backfill reads every row.</summary>
    public override async Task LockTableAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"LOCK TABLE {table} IN SHARE MODE", transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override string TableExistsSql => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name";

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT pg_advisory_xact_lock({MigrationLock})", transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
