namespace BrokerGateway.Ingress.Usage;

/// <summary>The durable usage records: SQLite by default, PostgreSQL when one is named.</summary>
internal interface IUsageStore : Limits.ITokenTotals
{
    Task InsertAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken);

    /// <summary>Whether the database refused a row's values, so that retrying the batch cannot help.</summary>
    bool IsDataError(System.Data.Common.DbException exception);

    Task<IReadOnlyList<UsageTotal>> QueryAsync(UsageQuery query, CancellationToken cancellationToken);
}
