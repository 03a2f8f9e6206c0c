namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Batches and their lines, in the gateway's database. Each line's result is written once — the
/// first writer wins — so a line sent again after a restart can never appear twice in the output.
/// An ingress works on a batch only while it holds its lease.
/// </summary>
internal interface IBatchStore
{
    Task CreateAsync(Batch batch, CancellationToken cancellationToken);

    Task<Batch?> GetAsync(string owner, string batchId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Batch>> ListAsync(string owner, string? after, int limit, CancellationToken cancellationToken);

    Task<int> CountActiveAsync(string owner, CancellationToken cancellationToken);

    /// <summary>Moves a validating or running batch to cancelling; returns the batch as it is afterwards, or null if it is not the owner's.</summary>
    Task<Batch?> RequestCancelAsync(string owner, string batchId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Takes the lease of one batch that has work left and no live lease; null if there is none.</summary>
    Task<Batch?> TryLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Extends a lease; false if another holder has it now.</summary>
    Task<bool> RenewLeaseAsync(string batchId, string holder, DateTimeOffset until, CancellationToken cancellationToken);

    Task ReleaseLeaseAsync(string batchId, string holder, CancellationToken cancellationToken);

    /// <summary>The batch's current state, whoever owns it (for the runner).</summary>
    Task<Batch?> ReadAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the batch from <paramref name="from"/> to <paramref name="status"/>, noting when;
    /// optionally sets the total, the errors and the result files. False if the batch was no longer
    /// in <paramref name="from"/> (its owner cancelled it meanwhile).
    /// </summary>
    Task<bool> MoveAsync(string batchId, string from, string status, DateTimeOffset at, CancellationToken cancellationToken, int? total = null, string? errors = null, string? outputFileId = null, string? errorFileId = null);

    Task AddLinesAsync(string batchId, IReadOnlyList<BatchLine> lines, CancellationToken cancellationToken);

    /// <summary>Lines without a result after line <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<BatchLine>> PendingLinesAsync(string batchId, int after, int limit, CancellationToken cancellationToken);

    /// <summary>Records lines' results and counts them, in one transaction; a line that already had a result keeps it. Returns how many were new.</summary>
    Task<int> CompleteLinesAsync(string batchId, IReadOnlyList<BatchLineResult> results, CancellationToken cancellationToken);

    /// <summary>Gives every line without a result this error (a batch that expired); returns how many.</summary>
    Task<int> FailPendingAsync(string batchId, string error, CancellationToken cancellationToken);

    /// <summary>Every line with a result, in order: its custom_id and the result.</summary>
    IAsyncEnumerable<(string CustomId, BatchLineResult Result)> ResultsAsync(string batchId, CancellationToken cancellationToken);
}
