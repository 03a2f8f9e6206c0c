using System.Data.Common;
using System.Globalization;
using BrokerGateway.Ingress.Database;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// The usage records in the gateway's database, through plain ADO.NET (schema in
/// <see cref="GatewaySchema"/>). Times are stored as ISO-8601 UTC text with a separate day column,
/// which sorts and groups the same in SQLite and PostgreSQL.
/// </summary>
internal sealed class SqlUsageStore(IDatabase database) : IUsageStore
{
    /// <summary>How <c>time_utc</c> is written: fixed width, so that text order is time order and a prefix is a minute.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly string[] Columns =
    [
        "time_utc", "day", "request_id", "user_id", "groups", "model", "endpoint_id", "route", "status",
        "prompt_tokens", "completion_tokens", "total_tokens", "total_ms", "upstream_ms", "attempts", "streamed", "batch_id", "account",
    ];

    public bool IsDataError(DbException exception) => database.IsDataError(exception);

    public async Task InsertAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
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
            parameters["account"].Value = (object?)record.Account ?? DBNull.Value;
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
        await using var connection = await database.OpenAsync(cancellationToken);
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
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UsageTotals.SinceAsync(connection, scope, from, cancellationToken);
    }

    /// <summary>Groups padded with spaces, so that one group is found with <c>LIKE '% name %'</c>.</summary>
    private static string GroupsColumn(IReadOnlyList<string> groups) => " " + string.Join(" ", groups) + " ";

    /// <summary>The groups of a <see cref="GroupsColumn"/> value.</summary>
    internal static string[] GroupsOf(string column) => column.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string EscapeLike(string value) =>
        value.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal);
}
