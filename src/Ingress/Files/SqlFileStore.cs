using System.Data.Common;
using System.Runtime.CompilerServices;
using BrokerGateway.Ingress.Usage;

namespace BrokerGateway.Ingress.Files;

/// <summary>Uploaded files in the gateway's database: a row per file, a row per line (schema in <see cref="SqlUsageStore"/>'s migrations).</summary>
public sealed class SqlFileStore(IDatabase database) : IFileStore
{
    private const string Columns = "id, owner, purpose, filename, bytes, line_count, created_at";

    /// <summary>Lines written by one INSERT (SQLite allows 32,766 parameters a statement; this uses 201).</summary>
    private const int RowsPerInsert = 100;

    public async Task BeginAsync(StoredFile file, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var insert = Command(connection, $"""
            INSERT INTO gateway_files ({Columns}, complete, ends_with_lf)
            VALUES (@id, @owner, @purpose, @filename, 0, 0, @created, 0, 0)
            """);
        Add(insert, "@id", file.Id);
        Add(insert, "@owner", file.Owner);
        Add(insert, "@purpose", file.Purpose);
        Add(insert, "@filename", file.Filename);
        Add(insert, "@created", file.CreatedAt.ToUnixTimeSeconds());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AppendAsync(string fileId, int firstLine, IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        for (var start = 0; start < lines.Count; start += RowsPerInsert)
        {
            // Many rows per statement: one round trip to PostgreSQL for each, not one per line.
            var rows = Math.Min(RowsPerInsert, lines.Count - start);
            await using var insert = Command(connection, "INSERT INTO gateway_file_lines (file_id, line_number, text) VALUES "
                + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@file, @line{i}, @text{i})")));
            insert.Transaction = transaction;
            Add(insert, "@file", fileId);
            for (var i = 0; i < rows; i++)
            {
                Add(insert, $"@line{i}", firstLine + start + i);
                Add(insert, $"@text{i}", lines[start + i]);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompleteAsync(string fileId, string purpose, long bytes, int lines, bool endsWithLineFeed, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var update = Command(connection, "UPDATE gateway_files SET purpose = @purpose, bytes = @bytes, line_count = @lines, ends_with_lf = @lf, complete = 1 WHERE id = @id");
        Add(update, "@purpose", purpose);
        Add(update, "@bytes", bytes);
        Add(update, "@lines", lines);
        Add(update, "@lf", endsWithLineFeed ? 1 : 0);
        Add(update, "@id", fileId);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredFile?> GetAsync(string owner, string fileId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, $"SELECT {Columns} FROM gateway_files WHERE id = @id AND owner = @owner AND complete = 1");
        Add(select, "@id", fileId);
        Add(select, "@owner", owner);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<StoredFile>> ListAsync(string owner, string? purpose, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = Command(connection, $"""
            SELECT {Columns} FROM gateway_files f
            WHERE owner = @owner AND complete = 1
            {(purpose is null ? string.Empty : "AND purpose = @purpose")}
            {(after is null ? string.Empty : """
                AND EXISTS (SELECT 1 FROM gateway_files a WHERE a.id = @after AND a.owner = @owner
                            AND (f.created_at < a.created_at OR (f.created_at = a.created_at AND f.id < a.id)))
                """)}
            ORDER BY created_at DESC, id DESC
            LIMIT @limit
            """);
        Add(select, "@owner", owner);
        Add(select, "@limit", limit);
        if (purpose is not null)
        {
            Add(select, "@purpose", purpose);
        }

        if (after is not null)
        {
            Add(select, "@after", after);
        }

        var files = new List<StoredFile>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            files.Add(Read(reader));
        }

        return files;
    }

    public async IAsyncEnumerable<string> ReadAsync(string fileId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        bool endsWithLineFeed;
        await using (var file = Command(connection, "SELECT ends_with_lf FROM gateway_files WHERE id = @id"))
        {
            Add(file, "@id", fileId);
            endsWithLineFeed = Convert.ToInt64(await file.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }

        await using var select = Command(connection, "SELECT text FROM gateway_file_lines WHERE file_id = @id ORDER BY line_number");
        Add(select, "@id", fileId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        string? previous = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (previous is not null)
            {
                yield return previous + "\n";
            }

            previous = reader.GetString(0);
        }

        if (previous is not null)
        {
            yield return endsWithLineFeed ? previous + "\n" : previous;
        }
    }

    public async Task<bool> DeleteAsync(string owner, string fileId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var file = Command(connection, "DELETE FROM gateway_files WHERE id = @id AND owner = @owner AND complete = 1");
        file.Transaction = transaction;
        Add(file, "@id", fileId);
        Add(file, "@owner", owner);
        var deleted = await file.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await using var lines = Command(connection, "DELETE FROM gateway_file_lines WHERE file_id = @id");
            lines.Transaction = transaction;
            Add(lines, "@id", fileId);
            await lines.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task DiscardAsync(string fileId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var file = Command(connection, "DELETE FROM gateway_files WHERE id = @id AND complete = 0");
        file.Transaction = transaction;
        Add(file, "@id", fileId);
        if (await file.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            await using var lines = Command(connection, "DELETE FROM gateway_file_lines WHERE file_id = @id");
            lines.Transaction = transaction;
            Add(lines, "@id", fileId);
            await lines.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static StoredFile Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        reader.GetInt64(4), reader.GetInt32(5), DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(6)));

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
