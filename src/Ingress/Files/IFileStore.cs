namespace BrokerGateway.Ingress.Files;

/// <summary>
/// Uploaded files, in the same database as the usage records (SQLite or PostgreSQL), so every
/// replica sees them. A file is stored line by line: what a batch reads, and what keeps an upload's
/// memory bounded by one line.
/// </summary>
internal interface IFileStore
{
    /// <summary>Starts a file, not yet visible; lines are added with <see cref="AppendAsync"/> and it appears with <see cref="CompleteAsync"/>.</summary>
    Task BeginAsync(StoredFile file, CancellationToken cancellationToken);

    /// <summary>Adds lines (without their line feed) at the given positions.</summary>
    Task AppendAsync(string fileId, int firstLine, IReadOnlyList<string> lines, CancellationToken cancellationToken);

    /// <summary>Makes the file visible with its purpose and final size; <paramref name="endsWithLineFeed"/> says whether the last line had one.</summary>
    Task CompleteAsync(string fileId, string purpose, long bytes, int lines, bool endsWithLineFeed, CancellationToken cancellationToken);

    /// <summary>The file if <paramref name="owner"/> may see it (it is theirs and complete), else null.</summary>
    Task<StoredFile?> GetAsync(string owner, string fileId, CancellationToken cancellationToken);

    /// <summary>The owner's files, newest first, starting after the file <paramref name="after"/> if given, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredFile>> ListAsync(string owner, string? purpose, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>The file's content as uploaded, line by line, each with the line feed it had.</summary>
    IAsyncEnumerable<string> ReadAsync(string fileId, CancellationToken cancellationToken);

    /// <summary>Removes a file that was never completed (an upload refused or broken off).</summary>
    Task DiscardAsync(string fileId, CancellationToken cancellationToken);

    /// <summary>Deletes a file and its lines; returns whether there was one the owner could delete.</summary>
    Task<bool> DeleteAsync(string owner, string fileId, CancellationToken cancellationToken);
}
