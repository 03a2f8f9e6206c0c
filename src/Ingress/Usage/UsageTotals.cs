using System.Data.Common;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Limits;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// Running token totals per user and per group and UTC day, kept beside the usage records in the
/// same transaction, so that a budget check reads at most a month of daily rows for its scope
/// instead of summing every record since the month began.
/// </summary>
internal static class UsageTotals
{
    /// <summary>Fills the totals table when schema version 4 makes it, holding other writers of usage records back meanwhile.</summary>
    public static readonly MigrationFill Fill = new(GatewaySchema.UsageTotalsVersion, async (database, connection, transaction, cancellationToken) =>
    {
        await database.LockTableAsync(connection, transaction, "usage_records", cancellationToken);
        await BackfillAsync(connection, transaction, cancellationToken);
    });

    private const string Upsert = """
        INSERT INTO usage_totals (scope, day, tokens) VALUES (@scope, @day, @tokens)
        ON CONFLICT (scope, day) DO UPDATE SET tokens = usage_totals.tokens + excluded.tokens
        """;

    /// <summary>Adds the records' tokens to the totals of their user and of each of their groups, on their day.</summary>
    public static Task AddAsync(DbConnection connection, DbTransaction transaction, IEnumerable<UsageRecord> records, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<(string Scope, string Day), long>();
        foreach (var record in records.Where(r => r.TotalTokens != 0))
        {
            var day = Day(record.Time);
            Add(sums, CallerScopes.UserKey(record.User), day, record.TotalTokens);
            foreach (var group in record.Groups.Distinct(StringComparer.Ordinal))
            {
                Add(sums, CallerScopes.GroupKey(group), day, record.TotalTokens);
            }
        }

        return UpsertAsync(connection, transaction, sums, cancellationToken);
    }

    /// <summary>Tokens of one scope (<see cref="CallerScopes.UserKey"/> or <see cref="CallerScopes.GroupKey"/>) from a day on.</summary>
    public static async Task<long> SinceAsync(DbConnection connection, string scope, DateOnly from, CancellationToken cancellationToken)
    {
        await using var select = connection.Command("SELECT COALESCE(SUM(tokens), 0) FROM usage_totals WHERE scope = @scope AND day >= @day");
        select.Parameter("@scope", scope);
        select.Parameter("@day", Day(from));
        return Convert.ToInt64(await select.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Fills the totals from the records already written, when the table is first made. The caller
    /// keeps other writers out meanwhile (see <see cref="Fill"/>); records an
    /// older version writes after the upgrade have no totals, so older replicas are stopped first.
    /// A group name with a space in it was stored as two words, and is filled in as two groups.
    /// </summary>
    public static async Task BackfillAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<(string Scope, string Day), long>();
        await using (var select = connection.Command("SELECT user_id, groups, day, SUM(total_tokens) FROM usage_records GROUP BY user_id, groups, day", transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var (day, tokens) = (reader.GetString(2), Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
                Add(sums, CallerScopes.UserKey(reader.GetString(0)), day, tokens);
                foreach (var group in SqlUsageStore.GroupsOf(reader.GetString(1)).Distinct(StringComparer.Ordinal))
                {
                    Add(sums, CallerScopes.GroupKey(group), day, tokens);
                }
            }
        }

        await UpsertAsync(connection, transaction, sums, cancellationToken);
    }

    /// <summary>The UTC day of a moment, as the <c>day</c> columns hold it.</summary>
    public static string Day(DateTimeOffset time) => Day(DateOnly.FromDateTime(time.UtcDateTime));

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static void Add(Dictionary<(string Scope, string Day), long> sums, string scope, string day, long tokens)
    {
        sums.TryGetValue((scope, day), out var sum);
        sums[(scope, day)] = sum + tokens;
    }

    /// <summary>One upsert per scope and day, in key order, so that replicas writing the same rows at once take their locks in the same order.</summary>
    private static async Task UpsertAsync(DbConnection connection, DbTransaction transaction, Dictionary<(string Scope, string Day), long> sums, CancellationToken cancellationToken)
    {
        if (sums.Count == 0)
        {
            return;
        }

        await using var upsert = connection.Command(Upsert, transaction);
        var scope = upsert.Parameter("@scope", null);
        var day = upsert.Parameter("@day", null);
        var tokens = upsert.Parameter("@tokens", null);
        foreach (var ((s, d), sum) in sums.Where(s => s.Value != 0).OrderBy(s => s.Key.Scope, StringComparer.Ordinal).ThenBy(s => s.Key.Day, StringComparer.Ordinal))
        {
            scope.Value = s;
            day.Value = d;
            tokens.Value = sum;
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
