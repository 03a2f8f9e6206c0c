using System.Data.Common;
using Npgsql;

namespace BrokerGateway.Ingress.Usage;

/// <summary>Usage records in PostgreSQL, shared by every ingress replica.</summary>
public sealed class PostgresUsageStore(string connectionString) : SqlUsageStore
{
    /// <summary>An arbitrary key for the advisory lock that serialises migrations between replicas.</summary>
    private const long MigrationLock = 7_304_120_211;

    protected override string IdentityColumn => "BIGSERIAL PRIMARY KEY";

    /// <summary>SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).</summary>
    public override bool IsDataError(DbException exception) =>
        exception is PostgresException { SqlState: var state } && (state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal));

    protected override DbConnection CreateConnection() => new NpgsqlConnection(connectionString);

    /// <summary>Waits for inserts in flight to commit and holds new ones back, so that a backfill reads every record.</summary>
    protected override async Task LockRecordsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("LOCK TABLE usage_records IN SHARE MODE", transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLock})";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
