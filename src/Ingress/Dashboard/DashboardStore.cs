using System.Globalization;
using BrokerGateway.Ingress.Batches;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Usage;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// The dashboard's reads of the gateway's database, each an aggregate the database computes:
/// interactive requests per minute and model (by outcome, and their durations in
/// <see cref="LatencyHistogram"/> buckets) from <c>usage_records</c>, tokens per user and group
/// from the daily <c>usage_totals</c>, and the batches a runner still has work in.
/// </summary>
internal sealed class DashboardStore(IDatabase database)
{
    /// <summary>How many users and how many groups the token tables show at most (those with most tokens this month).</summary>
    public const int TopScopes = 25;

    /// <summary>How many batches in progress are listed at most (the oldest first).</summary>
    public const int MaxBatches = 100;

    /// <summary>The last <paramref name="minutes"/> whole minutes up to the one <paramref name="now"/> is in.</summary>
    public async Task<TrafficSeries> TrafficAsync(DateTimeOffset now, int minutes, CancellationToken cancellationToken)
    {
        var last = new DateTimeOffset(now.UtcDateTime.Ticks - (now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var grid = Enumerable.Range(0, minutes).Select(i => last.AddMinutes(i - minutes + 1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture)).ToArray();
        var index = grid.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i, StringComparer.Ordinal);
        var sql = $"""
            SELECT substr(time_utc, 1, 16), model,
                   CASE WHEN status >= 500 THEN 2 WHEN status >= 400 THEN 1 ELSE 0 END,
                   {LatencyHistogram.BucketSql("total_ms")},
                   COUNT(*)
            FROM usage_records
            WHERE time_utc >= @from AND batch_id IS NULL
            GROUP BY 1, 2, 3, 4
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command(sql);
        select.Parameter("@from", grid[0]);

        var models = new SortedDictionary<string, ModelCounts>(StringComparer.Ordinal);
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!index.TryGetValue(reader.GetString(0), out var minute))
                {
                    // A record stamped ahead of this replica's clock (another replica's) belongs to no minute shown.
                    continue;
                }

                var model = reader.GetString(1);
                if (!models.TryGetValue(model, out var counts))
                {
                    models[model] = counts = new ModelCounts(minutes);
                }

                var (outcome, bucket, count) = (Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture));
                counts.Requests[minute] += count;
                switch (outcome)
                {
                    case 2:
                        counts.ServerErrors[minute] += count;
                        break;
                    case 1:
                        counts.ClientErrors[minute] += count;
                        break;
                    default:
                        counts.Durations[minute][bucket] += count;
                        break;
                }
            }
        }

        return new TrafficSeries(grid, [.. models.Select(m => m.Value.ToTraffic(m.Key))]);
    }

    /// <summary>Tokens of the users and groups with most this month, today's beside.</summary>
    public async Task<TokenTotals> TokensAsync(DateOnly today, CancellationToken cancellationToken)
    {
        var monthFrom = new DateOnly(today.Year, today.Month, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        var users = await TopAsync(connection, CallerScopes.UserKey(string.Empty), today, monthFrom, cancellationToken);
        var groups = await TopAsync(connection, CallerScopes.GroupKey(string.Empty), today, monthFrom, cancellationToken);
        return new TokenTotals(UsageTotals.Day(today), UsageTotals.Day(monthFrom), users, groups);
    }

    public async Task<IReadOnlyList<BatchProgress>> BatchesAsync(CancellationToken cancellationToken)
    {
        var states = string.Join(", ", BatchStatus.Active.Select((_, i) => $"@s{i}"));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command($"""
            SELECT id, owner, endpoint, status, total, completed, failed, created_at
            FROM gateway_batches WHERE status IN ({states}) ORDER BY created_at LIMIT {MaxBatches}
            """);
        for (var i = 0; i < BatchStatus.Active.Count; i++)
        {
            select.Parameter($"@s{i}", BatchStatus.Active[i]);
        }

        var batches = new List<BatchProgress>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            batches.Add(new BatchProgress(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt64(7)));
        }

        return batches;
    }

    private static async Task<IReadOnlyList<ScopeTokens>> TopAsync(
        System.Data.Common.DbConnection connection, string prefix, DateOnly today, DateOnly monthFrom, CancellationToken cancellationToken)
    {
        await using var select = connection.Command($"""
            SELECT scope, SUM(CASE WHEN day = @today THEN tokens ELSE 0 END), SUM(tokens)
            FROM usage_totals
            WHERE day >= @from AND substr(scope, 1, {prefix.Length}) = @prefix
            GROUP BY scope ORDER BY 3 DESC, 1 LIMIT {TopScopes}
            """);
        select.Parameter("@today", UsageTotals.Day(today));
        select.Parameter("@from", UsageTotals.Day(monthFrom));
        select.Parameter("@prefix", prefix);
        var scopes = new List<ScopeTokens>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            scopes.Add(new ScopeTokens(
                reader.GetString(0)[prefix.Length..],
                Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)));
        }

        return scopes;
    }

    private sealed class ModelCounts(int minutes)
    {
        public long[] Requests { get; } = new long[minutes];

        public long[] ClientErrors { get; } = new long[minutes];

        public long[] ServerErrors { get; } = new long[minutes];

        public long[][] Durations { get; } = [.. Enumerable.Range(0, minutes).Select(_ => new long[LatencyHistogram.Buckets])];

        public ModelTraffic ToTraffic(string model) => new(
            model, Requests, ClientErrors, ServerErrors,
            [.. Durations.Select(d => Round(LatencyHistogram.Percentile(d, 0.50)))],
            [.. Durations.Select(d => Round(LatencyHistogram.Percentile(d, 0.95)))]);

        private static double? Round(double? value) => value is { } v ? Math.Round(v, 1) : null;
    }
}
