using System.Data.Common;
using System.Globalization;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// The usage records in a SQL database, through plain ADO.NET. Times are stored as ISO-8601 UTC
/// text with a separate day column, which sorts and groups the same in SQLite and PostgreSQL.
/// Migrations are numbered and recorded in <c>usage_schema</c>; the same database holds the
/// uploaded files (<see cref="Files.SqlFileStore"/>).
/// </summary>
public abstract class SqlUsageStore : IUsageStore, IDatabase
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly string[] Columns =
    [
        "time_utc", "day", "request_id", "user_id", "groups", "model", "endpoint_id", "route", "status",
        "prompt_tokens", "completion_tokens", "total_tokens", "total_ms", "upstream_ms", "attempts", "streamed", "batch_id",
    ];

    /// <summary>The DDL of each schema version (and the step that fills what it adds), in order; only ever appended to.</summary>
    protected IReadOnlyList<Migration> Migrations =>
    [
        $"""
        CREATE TABLE usage_records (
            id {IdentityColumn},
            time_utc TEXT NOT NULL,
            day TEXT NOT NULL,
            request_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            groups TEXT NOT NULL,
            model TEXT NOT NULL,
            endpoint_id TEXT,
            route TEXT NOT NULL,
            status INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            total_tokens INTEGER NOT NULL,
            total_ms DOUBLE PRECISION NOT NULL,
            upstream_ms DOUBLE PRECISION,
            attempts INTEGER NOT NULL,
            streamed INTEGER NOT NULL
        );
        CREATE INDEX ix_usage_records_user_time ON usage_records (user_id, time_utc);
        CREATE INDEX ix_usage_records_time ON usage_records (time_utc);
        """,
        """
        CREATE TABLE gateway_files (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            purpose TEXT NOT NULL,
            filename TEXT NOT NULL,
            bytes BIGINT NOT NULL,
            line_count INTEGER NOT NULL,
            created_at BIGINT NOT NULL,
            complete INTEGER NOT NULL,
            ends_with_lf INTEGER NOT NULL
        );
        CREATE INDEX ix_gateway_files_owner ON gateway_files (owner, created_at);
        CREATE TABLE gateway_file_lines (
            file_id TEXT NOT NULL,
            line_number INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (file_id, line_number)
        );
        """,
        """
        ALTER TABLE usage_records ADD COLUMN batch_id TEXT;
        CREATE TABLE gateway_batches (
            id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            groups TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            input_file_id TEXT NOT NULL,
            completion_window TEXT NOT NULL,
            status TEXT NOT NULL,
            metadata TEXT,
            errors TEXT,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            in_progress_at BIGINT,
            finalizing_at BIGINT,
            completed_at BIGINT,
            failed_at BIGINT,
            expired_at BIGINT,
            cancelling_at BIGINT,
            cancelled_at BIGINT,
            total INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            output_file_id TEXT,
            error_file_id TEXT,
            lease_owner TEXT,
            lease_until BIGINT
        );
        CREATE INDEX ix_gateway_batches_owner ON gateway_batches (owner, created_at);
        CREATE INDEX ix_gateway_batches_status ON gateway_batches (status);
        CREATE TABLE gateway_batch_lines (
            batch_id TEXT NOT NULL,
            line_number INTEGER NOT NULL,
            custom_id TEXT NOT NULL,
            model TEXT NOT NULL,
            body TEXT NOT NULL,
            done INTEGER NOT NULL,
            status_code INTEGER,
            request_id TEXT,
            response TEXT,
            error TEXT,
            PRIMARY KEY (batch_id, line_number)
        );
        """,
        new Migration(UsageTotals.Table, FillTotalsAsync),
    ];

    /// <summary>The column definition of an auto-numbered primary key.</summary>
    protected abstract string IdentityColumn { get; }

    protected abstract DbConnection CreateConnection();

    DbConnection IDatabase.CreateConnection() => CreateConnection();

    /// <summary>Whether the database refused a row's values (not a connection or server problem): retrying cannot help.</summary>
    public abstract bool IsDataError(DbException exception);

    /// <summary>Keeps other writers of usage records out until the migration's transaction ends.</summary>
    protected virtual Task LockRecordsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Serialises migrations between replicas, inside the migration's transaction.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS usage_schema (version INTEGER NOT NULL)", cancellationToken);
        await using (var read = connection.Command("SELECT COALESCE(MAX(version), 0) FROM usage_schema", transaction))
        {
            var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            var migrations = Migrations;
            for (var next = version; next < migrations.Count; next++)
            {
                await ExecuteAsync(connection, transaction, migrations[next].Sql, cancellationToken);
                if (migrations[next].Fill is { } fill)
                {
                    await fill(connection, transaction, cancellationToken);
                }

                await ExecuteAsync(connection, transaction, $"INSERT INTO usage_schema (version) VALUES ({next + 1})", cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task InsertAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.Command(
            $"INSERT INTO usage_records ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select(c => "@" + c))})", transaction);
        var parameters = Columns.ToDictionary(c => c, c => insert.Parameter("@" + c, null));
        foreach (var record in records)
        {
            var time = record.Time.UtcDateTime;
            parameters["time_utc"].Value = time.ToString(TimeFormat, CultureInfo.InvariantCulture);
            parameters["day"].Value = UsageTotals.Day(record.Time);
            parameters["request_id"].Value = record.RequestId.ToString("N");
            parameters["user_id"].Value = record.User;
            parameters["groups"].Value = GroupsColumn(record.Groups);
            parameters["model"].Value = record.Model;
            parameters["endpoint_id"].Value = (object?)record.EndpointId ?? DBNull.Value;
            parameters["route"].Value = record.Route;
            parameters["status"].Value = record.Status;
            parameters["prompt_tokens"].Value = record.PromptTokens;
            parameters["completion_tokens"].Value = record.CompletionTokens;
            parameters["total_tokens"].Value = record.TotalTokens;
            parameters["total_ms"].Value = record.TotalMilliseconds;
            parameters["upstream_ms"].Value = (object?)record.UpstreamMilliseconds ?? DBNull.Value;
            parameters["attempts"].Value = record.Attempts;
            parameters["streamed"].Value = record.Streamed ? 1 : 0;
            parameters["batch_id"].Value = (object?)record.BatchId ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await UsageTotals.AddAsync(connection, transaction, records, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<UsageTotal>> QueryAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        var key = query.GroupBy == UsageGrouping.Day ? "day" : "model";
        var sql = $"""
            SELECT {key}, COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(total_tokens), 0)
            FROM usage_records
            WHERE time_utc >= @from AND time_utc < @to
            {(query.User is null ? string.Empty : "AND user_id = @user")}
            {(query.Group is null ? string.Empty : "AND groups LIKE @group ESCAPE '!'")}
            GROUP BY {key} ORDER BY {key}
            """;
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var select = connection.Command(sql);
        select.Parameter("@from", query.From.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
        select.Parameter("@to", query.To.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
        if (query.User is not null)
        {
            select.Parameter("@user", query.User);
        }

        if (query.Group is not null)
        {
            select.Parameter("@group", "% " + EscapeLike(query.Group) + " %");
        }

        var totals = new List<UsageTotal>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            totals.Add(new UsageTotal(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return totals;
    }

    public async Task<long> TokensSinceAsync(string scope, DateOnly from, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return await UsageTotals.SinceAsync(connection, scope, from, cancellationToken);
    }

    /// <summary>Groups padded with spaces, so that one group is found with <c>LIKE '% name %'</c>.</summary>
    private static string GroupsColumn(IReadOnlyList<string> groups) => " " + string.Join(" ", groups) + " ";

    /// <summary>The groups of a <see cref="GroupsColumn"/> value.</summary>
    internal static string[] GroupsOf(string column) => column.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task FillTotalsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await LockRecordsAsync(connection, transaction, cancellationToken);
        await UsageTotals.BackfillAsync(connection, transaction, cancellationToken);
    }

    private static string EscapeLike(string value) =>
        value.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal);

    /// <summary>One schema version: its DDL, and optionally a step that fills what it added from the rows already there.</summary>
    protected sealed record Migration(string Sql, Func<DbConnection, DbTransaction, CancellationToken, Task>? Fill = null)
    {
        public static implicit operator Migration(string sql) => new(sql);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
