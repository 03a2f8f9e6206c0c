using System.Data.Common;
using System.Runtime.CompilerServices;
using BrokerGateway.Ingress.Database;

namespace BrokerGateway.Ingress.Files;

/// <summary>Uploaded files in the gateway's database: a row per file, a row per line (schema in <see cref="GatewaySchema"/>).</summary>
internal sealed class SqlFileStore(IDatabase database) : IFileStore
{
    private const string Columns = "id, owner, purpose, filename, bytes, line_count, created_at";

    /// <summary>Lines written by one INSERT (SQLite allows 32,766 parameters a statement; this uses 201).</summary>
    private const int RowsPerInsert = 100;

    public async Task BeginAsync(StoredFile file, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var insert = connection.Command($"""
            INSERT INTO gateway_files ({Columns}, complete, ends_with_lf)
            VALUES (@id, @owner, @purpose, @filename, 0, 0, @created, 0, 0)
            """);
        insert.Parameter("@id", file.Id);
        insert.Parameter("@owner", file.Owner);
        insert.Parameter("@purpose", file.Purpose);
        insert.Parameter("@filename", file.Filename);
        insert.Parameter("@created", file.CreatedAt.ToUnixTimeSeconds());
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AppendAsync(string fileId, int firstLine, IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        for (var start = 0; start < lines.Count; start += RowsPerInsert)
        {
            // Many rows per statement: one round trip to PostgreSQL for each, not one per line.
            var rows = Math.Min(RowsPerInsert, lines.Count - start);
            await using var insert = connection.Command("INSERT INTO gateway_file_lines (file_id, line_number, text) VALUES "
                + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@file, @line{i}, @text{i})")));
            insert.Transaction = transaction;
            insert.Parameter("@file", fileId);
            for (var i = 0; i < rows; i++)
            {
                insert.Parameter($"@line{i}", firstLine + start + i);
                insert.Parameter($"@text{i}", lines[start + i]);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task CompleteAsync(string fileId, string purpose, long bytes, int lines, bool endsWithLineFeed, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.Command("UPDATE gateway_files SET purpose = @purpose, bytes = @bytes, line_count = @lines, ends_with_lf = @lf, complete = 1 WHERE id = @id");
        update.Parameter("@purpose", purpose);
        update.Parameter("@bytes", bytes);
        update.Parameter("@lines", lines);
        update.Parameter("@lf", endsWithLineFeed ? 1 : 0);
        update.Parameter("@id", fileId);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredFile?> GetAsync(string owner, string fileId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command($"SELECT {Columns} FROM gateway_files WHERE id = @id AND owner = @owner AND complete = 1");
        select.Parameter("@id", fileId);
        select.Parameter("@owner", owner);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<StoredFile>> ListAsync(string owner, string? purpose, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command($"""
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
        select.Parameter("@owner", owner);
        select.Parameter("@limit", limit);
        if (purpose is not null)
        {
            select.Parameter("@purpose", purpose);
        }

        if (after is not null)
        {
            select.Parameter("@after", after);
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
        await using var connection = await database.OpenAsync(cancellationToken);
        bool endsWithLineFeed;
        await using (var file = connection.Command("SELECT ends_with_lf FROM gateway_files WHERE id = @id"))
        {
            file.Parameter("@id", fileId);
            endsWithLineFeed = Convert.ToInt64(await file.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }

        await using var select = connection.Command("SELECT text FROM gateway_file_lines WHERE file_id = @id ORDER BY line_number");
        select.Parameter("@id", fileId);
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
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var file = connection.Command("DELETE FROM gateway_files WHERE id = @id AND owner = @owner AND complete = 1");
        file.Transaction = transaction;
        file.Parameter("@id", fileId);
        file.Parameter("@owner", owner);
        var deleted = await file.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (deleted)
        {
            await using var lines = connection.Command("DELETE FROM gateway_file_lines WHERE file_id = @id");
            lines.Transaction = transaction;
            lines.Parameter("@id", fileId);
            await lines.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task DiscardAsync(string fileId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var file = connection.Command("DELETE FROM gateway_files WHERE id = @id AND complete = 0");
        file.Transaction = transaction;
        file.Parameter("@id", fileId);
        if (await file.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            await using var lines = connection.Command("DELETE FROM gateway_file_lines WHERE file_id = @id");
            lines.Transaction = transaction;
            lines.Parameter("@id", fileId);
            await lines.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static StoredFile Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        reader.GetInt64(4), reader.GetInt32(5), DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(6)));
}
