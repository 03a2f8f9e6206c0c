using System.Data.Common;
using System.Globalization;

namespace BrokerGateway.Ingress.Database;

/// <summary>
/// The gateway's database: its connections, what differs between SQLite and PostgreSQL, and its
/// migrations (<see cref="GatewaySchema"/>), applied in one transaction that replicas take turns at.
/// </summary>
internal abstract class GatewayDatabase : IDatabase
{
    /// <summary>The column definition of an auto-numbered primary key.</summary>
    public abstract string IdentityColumn { get; }

    public abstract DbConnection CreateConnection();

    public abstract bool IsDataError(DbException exception);

    /// <summary>Keeps other writers of <paramref name="table"/> out until the transaction ends (where the database needs telling).</summary>
    public virtual Task LockTableAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A query with a parameter <c>@name</c> that counts the tables of that name.</summary>
    protected abstract string TableExistsSql { get; }

    /// <summary>Serialises migrations between replicas, inside the migration's transaction.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Brings the schema up to date; run at start, safe to run from several replicas at once.</summary>
    public async Task MigrateAsync(IEnumerable<MigrationFill> fills, CancellationToken cancellationToken)
    {
        var fillOf = fills.ToDictionary(f => f.Version);
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {GatewaySchema.VersionTable} (version INTEGER NOT NULL)", cancellationToken);
        await CopyFormerVersionsAsync(connection, transaction, cancellationToken);
        await using (var read = connection.Command($"SELECT COALESCE(MAX(version), 0) FROM {GatewaySchema.VersionTable}", transaction))
        {
            var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            var versions = GatewaySchema.Versions(IdentityColumn);
            for (var next = version + 1; next <= versions.Count; next++)
            {
                await ExecuteAsync(connection, transaction, versions[next - 1], cancellationToken);
                if (fillOf.TryGetValue(next, out var fill))
                {
                    await fill.Fill(this, connection, transaction, cancellationToken);
                }

                await ExecuteAsync(connection, transaction, $"INSERT INTO {GatewaySchema.VersionTable} (version) VALUES ({next})", cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A database written before the version table was the whole gateway's keeps its versions in
    /// <see cref="GatewaySchema.FormerVersionTable"/>: they are copied to <see cref="GatewaySchema.VersionTable"/>
    /// in the migration's transaction. The former table stays as it was, so that a replica of the
    /// earlier release still starts against this database during a rolling upgrade (it would
    /// otherwise make the table afresh and try to create every table again); nothing reads it any more.
    /// </summary>
    private async Task CopyFormerVersionsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (!await TableExistsAsync(connection, transaction, GatewaySchema.FormerVersionTable, cancellationToken))
        {
            return;
        }

        await ExecuteAsync(
            connection,
            transaction,
            $"INSERT INTO {GatewaySchema.VersionTable} (version) SELECT version FROM {GatewaySchema.FormerVersionTable} WHERE version NOT IN (SELECT version FROM {GatewaySchema.VersionTable})",
            cancellationToken);
    }

    private async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(TableExistsSql, transaction);
        command.Parameter("@name", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
