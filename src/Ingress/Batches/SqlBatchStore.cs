using System.Data.Common;
using System.Runtime.CompilerServices;
using BrokerGateway.Ingress.Database;

namespace BrokerGateway.Ingress.Batches;

/// <summary>Batches in the gateway's database (schema in <see cref="GatewaySchema"/>).</summary>
internal sealed class SqlBatchStore(IDatabase database) : IBatchStore
{
    private const string Columns =
        "id, owner, groups, endpoint, input_file_id, completion_window, status, metadata, errors, created_at, expires_at, "
        + "in_progress_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at, cancelled_at, total, completed, failed, output_file_id, error_file_id, account";

    private static readonly string[] TimeColumns = ["in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"];

    private const int RowsPerInsert = 100;

    public async Task CreateAsync(Batch batch, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var insert = connection.Command("""
            INSERT INTO gateway_batches (id, owner, groups, endpoint, input_file_id, completion_window, status, metadata, created_at, expires_at, total, completed, failed, account)
            VALUES (@id, @owner, @groups, @endpoint, @input, @window, @status, @metadata, @created, @expires, 0, 0, 0, @account)
            """);
        insert.Parameter("@id", batch.Id);
        insert.Parameter("@owner", batch.Owner);
        insert.Parameter("@groups", System.Text.Json.JsonSerializer.Serialize(batch.Groups));
        insert.Parameter("@endpoint", batch.Endpoint);
        insert.Parameter("@input", batch.InputFileId);
        insert.Parameter("@window", batch.CompletionWindow);
        insert.Parameter("@status", batch.Status);
        insert.Parameter("@metadata", batch.Metadata);
        insert.Parameter("@created", batch.CreatedAt.ToUnixTimeSeconds());
        insert.Parameter("@expires", batch.ExpiresAt.ToUnixTimeSeconds());
        insert.Parameter("@account", batch.Account);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Batch?> GetAsync(string owner, string batchId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadOneAsync(connection, "id = @id AND owner = @owner", cancellationToken, ("@id", batchId), ("@owner", owner));
    }

    public async Task<Batch?> ReadAsync(string batchId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadOneAsync(connection, "id = @id", cancellationToken, ("@id", batchId));
    }

    public async Task<IReadOnlyList<Batch>> ListAsync(string owner, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command($"""
            SELECT {Columns} FROM gateway_batches b
            WHERE owner = @owner
            {(after is null ? string.Empty : """
                AND EXISTS (SELECT 1 FROM gateway_batches a WHERE a.id = @after AND a.owner = @owner
                            AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.id < a.id)))
                """)}
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """);
        select.Parameter("@owner", owner);
        select.Parameter("@limit", limit);
        if (after is not null)
        {
            select.Parameter("@after", after);
        }

        var batches = new List<Batch>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            batches.Add(Read(reader));
        }

        return batches;
    }

    public async Task<int> CountActiveAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var count = connection.Command("SELECT COUNT(*) FROM gateway_batches WHERE owner = @owner AND status IN ('validating', 'in_progress', 'finalizing', 'cancelling')");
        count.Parameter("@owner", owner);
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<Batch?> RequestCancelAsync(string owner, string batchId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var update = connection.Command("""
            UPDATE gateway_batches SET status = 'cancelling', cancelling_at = @now
            WHERE id = @id AND owner = @owner AND status IN ('validating', 'in_progress')
            """))
        {
            update.Parameter("@now", now.ToUnixTimeSeconds());
            update.Parameter("@id", batchId);
            update.Parameter("@owner", owner);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        return await ReadOneAsync(connection, "id = @id AND owner = @owner", cancellationToken, ("@id", batchId), ("@owner", owner));
    }

    public async Task<Batch?> TryLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var candidates = new List<string>();
        await using (var select = connection.Command("""
            SELECT id FROM gateway_batches
            WHERE status IN ('validating', 'in_progress', 'finalizing', 'cancelling') AND (lease_until IS NULL OR lease_until < @now)
            ORDER BY created_at LIMIT 10
            """))
        {
            select.Parameter("@now", now.ToUnixTimeSeconds());
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add(reader.GetString(0));
            }
        }

        foreach (var id in candidates)
        {
            // Taken only if nobody took it meanwhile: the row update is the arbiter between replicas.
            await using var take = connection.Command("""
                UPDATE gateway_batches SET lease_owner = @holder, lease_until = @until
                WHERE id = @id AND (lease_until IS NULL OR lease_until < @now)
                """);
            take.Parameter("@holder", holder);
            take.Parameter("@until", until.ToUnixTimeSeconds());
            take.Parameter("@id", id);
            take.Parameter("@now", now.ToUnixTimeSeconds());
            if (await take.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return await ReadOneAsync(connection, "id = @id", cancellationToken, ("@id", id));
            }
        }

        return null;
    }

    public async Task<bool> RenewLeaseAsync(string batchId, string holder, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var renew = connection.Command("UPDATE gateway_batches SET lease_until = @until WHERE id = @id AND lease_owner = @holder");
        renew.Parameter("@until", until.ToUnixTimeSeconds());
        renew.Parameter("@id", batchId);
        renew.Parameter("@holder", holder);
        return await renew.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseLeaseAsync(string batchId, string holder, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var release = connection.Command("UPDATE gateway_batches SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @holder");
        release.Parameter("@id", batchId);
        release.Parameter("@holder", holder);
        await release.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> MoveAsync(
        string batchId, string from, string status, DateTimeOffset at, CancellationToken cancellationToken, int? total = null, string? errors = null, string? outputFileId = null, string? errorFileId = null)
    {
        var column = status + "_at";
        if (!TimeColumns.Contains(column))
        {
            throw new ArgumentException($"no time is kept for the status '{status}'", nameof(status));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.Command($"""
            UPDATE gateway_batches SET status = @status, {column} = @at,
                total = COALESCE(@total, total), errors = COALESCE(@errors, errors),
                output_file_id = COALESCE(@output, output_file_id), error_file_id = COALESCE(@error, error_file_id)
            WHERE id = @id AND status = @from
            """);
        update.Parameter("@from", from);
        update.Parameter("@status", status);
        update.Parameter("@at", at.ToUnixTimeSeconds());
        update.Parameter("@total", total);
        update.Parameter("@errors", errors);
        update.Parameter("@output", outputFileId);
        update.Parameter("@error", errorFileId);
        update.Parameter("@id", batchId);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task AddLinesAsync(string batchId, IReadOnlyList<BatchLine> lines, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Only while the batch is still being validated (its owner may have cancelled it, or another
        // ingress taken it over and moved on).
        await using (var check = connection.Command("SELECT status FROM gateway_batches WHERE id = @batch", transaction))
        {
            check.Parameter("@batch", batchId);
            if (await check.ExecuteScalarAsync(cancellationToken) as string != BatchStatus.Validating)
            {
                await transaction.RollbackAsync(cancellationToken);
                return;
            }
        }

        // A validation cut short (the ingress stopped) may have stored lines already: start afresh.
        await using (var clear = connection.Command("DELETE FROM gateway_batch_lines WHERE batch_id = @batch", transaction))
        {
            clear.Parameter("@batch", batchId);
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        for (var start = 0; start < lines.Count; start += RowsPerInsert)
        {
            var rows = Math.Min(RowsPerInsert, lines.Count - start);
            await using var insert = connection.Command(
                "INSERT INTO gateway_batch_lines (batch_id, line_number, custom_id, model, body, done) VALUES "
                + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@batch, @n{i}, @c{i}, @m{i}, @b{i}, 0)")),
                transaction);
            insert.Parameter("@batch", batchId);
            for (var i = 0; i < rows; i++)
            {
                var line = lines[start + i];
                insert.Parameter($"@n{i}", line.Number);
                insert.Parameter($"@c{i}", line.CustomId);
                insert.Parameter($"@m{i}", line.Model);
                insert.Parameter($"@b{i}", line.Body);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<BatchLine>> PendingLinesAsync(string batchId, int after, int limit, CancellationToken cancellationToken)
    {
        // A range read on the primary key from where the runner got to: no rescan of the lines done.
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command("""
            SELECT line_number, custom_id, model, body FROM gateway_batch_lines
            WHERE batch_id = @batch AND line_number > @after AND done = 0 ORDER BY line_number LIMIT @limit
            """);
        select.Parameter("@batch", batchId);
        select.Parameter("@after", after);
        select.Parameter("@limit", limit);
        var lines = new List<BatchLine>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new BatchLine(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return lines;
    }

    public async Task<int> CompleteLinesAsync(string batchId, IReadOnlyList<BatchLineResult> results, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var line = connection.Command("""
            UPDATE gateway_batch_lines SET done = 1, status_code = @status, request_id = @request, response = @response, error = @error
            WHERE batch_id = @batch AND line_number = @number AND done = 0
            """, transaction);
        var status = line.Parameter("@status", null);
        var request = line.Parameter("@request", null);
        var response = line.Parameter("@response", null);
        var error = line.Parameter("@error", null);
        line.Parameter("@batch", batchId);
        var number = line.Parameter("@number", 0);
        int completed = 0, failed = 0;
        foreach (var result in results)
        {
            status.Value = (object?)result.StatusCode ?? DBNull.Value;
            request.Value = (object?)result.RequestId ?? DBNull.Value;
            response.Value = (object?)result.Response ?? DBNull.Value;
            error.Value = (object?)result.Error ?? DBNull.Value;
            number.Value = result.Number;

            // Only the first result of a line counts: one sent again after a restart changes nothing.
            if (await line.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                _ = result.Succeeded ? completed++ : failed++;
            }
        }

        await using var count = connection.Command("UPDATE gateway_batches SET completed = completed + @completed, failed = failed + @failed WHERE id = @batch", transaction);
        count.Parameter("@completed", completed);
        count.Parameter("@failed", failed);
        count.Parameter("@batch", batchId);
        await count.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return completed + failed;
    }

    public async Task<int> FailPendingAsync(string batchId, string error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var lines = connection.Command("UPDATE gateway_batch_lines SET done = 1, error = @error WHERE batch_id = @batch AND done = 0", transaction);
        lines.Parameter("@error", error);
        lines.Parameter("@batch", batchId);
        var failed = await lines.ExecuteNonQueryAsync(cancellationToken);
        await using var count = connection.Command("UPDATE gateway_batches SET failed = failed + @n WHERE id = @batch", transaction);
        count.Parameter("@n", failed);
        count.Parameter("@batch", batchId);
        await count.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return failed;
    }

    public async IAsyncEnumerable<(string CustomId, BatchLineResult Result)> ResultsAsync(string batchId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command("""
            SELECT line_number, custom_id, status_code, request_id, response, error FROM gateway_batch_lines
            WHERE batch_id = @batch AND done = 1 ORDER BY line_number
            """);
        select.Parameter("@batch", batchId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (reader.GetString(1), new BatchLineResult(
                reader.GetInt32(0),
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
    }

    private static async Task<Batch?> ReadOneAsync(DbConnection connection, string where, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var select = connection.Command($"SELECT {Columns} FROM gateway_batches WHERE {where}");
        foreach (var (name, value) in parameters)
        {
            select.Parameter(name, value);
        }

        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Batch Read(DbDataReader reader)
    {
        DateTimeOffset At(int i) => DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(i));
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 0; i < TimeColumns.Length; i++)
        {
            if (!reader.IsDBNull(11 + i))
            {
                times[TimeColumns[i]] = At(11 + i);
            }
        }

        return new Batch(
            reader.GetString(0), reader.GetString(1), System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetString(6), Text(7), Text(8), At(9), At(10), times,
            reader.GetInt32(18), reader.GetInt32(19), reader.GetInt32(20), Text(21), Text(22), Text(23));
    }
}
