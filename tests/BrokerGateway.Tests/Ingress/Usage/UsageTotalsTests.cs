using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Usage;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Usage;

/// <summary>The daily token totals budgets read, on a real SQLite file and a real PostgreSQL.</summary>
public class UsageTotalsTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly TodayDate = DateOnly.FromDateTime(Today.UtcDateTime);

    public static TheoryData<string> Databases => ["sqlite", "postgres"];

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Totals_CountEachUserAndGroupByDay_AcrossBatches(string kind)
    {
        var (store, _, drop) = await StoreAsync(kind);
        try
        {
            await store.InsertAsync([Record("alice", ["g1", "g2"], 10, Today), Record("bob", ["g1"], 5, Today)], CancellationToken.None);
            await store.InsertAsync([Record("alice", ["g1"], 7, Today.AddDays(-1)), Record("alice", ["g2"], 0, Today)], CancellationToken.None);
            await store.InsertAsync([Record("alice", [], 3, Today.AddHours(11).AddMinutes(59))], CancellationToken.None);

            // 01:00 in UTC+2 is 23:00 of the day before in UTC: counted on that day.
            await store.InsertAsync([Record("alice", [], 100, new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.FromHours(2)))], CancellationToken.None);

            Assert.Equal(13, await store.TokensSinceAsync("u:alice", TodayDate, CancellationToken.None));
            Assert.Equal(120, await store.TokensSinceAsync("u:alice", TodayDate.AddDays(-1), CancellationToken.None));
            Assert.Equal(0, await store.TokensSinceAsync("u:alice", TodayDate.AddDays(1), CancellationToken.None));
            Assert.Equal(15, await store.TokensSinceAsync("g:g1", TodayDate, CancellationToken.None));
            Assert.Equal(22, await store.TokensSinceAsync("g:g1", TodayDate.AddDays(-30), CancellationToken.None));
            Assert.Equal(10, await store.TokensSinceAsync("g:g2", TodayDate, CancellationToken.None));
            Assert.Equal(0, await store.TokensSinceAsync("u:carol", TodayDate, CancellationToken.None));
        }
        finally
        {
            await drop();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Upgrade_FromASchemaWithoutTotals_FillsThemFromTheRecords(string kind)
    {
        var (store, database, drop) = await StoreAsync(kind);
        try
        {
            await store.InsertAsync([Record("alice", ["g1", "g2"], 10, Today), Record("bob", ["g1"], 5, Today), Record("alice", ["g1"], 7, Today.AddDays(-1))], CancellationToken.None);

            // The database as the release before the totals left it: records, no totals (nor what came after), schema version 3.
            await using (var connection = await database.OpenAsync(CancellationToken.None))
            {
                await using var downgrade = connection.Command("DROP TABLE usage_totals; DROP TABLE gateway_responses; ALTER TABLE usage_records DROP COLUMN account; ALTER TABLE gateway_batches DROP COLUMN account; DELETE FROM gateway_schema WHERE version >= 4;");
                await downgrade.ExecuteNonQueryAsync();
            }

            await database.MigrateAsync([UsageTotals.Fill], CancellationToken.None);

            Assert.Equal(10, await store.TokensSinceAsync("u:alice", TodayDate, CancellationToken.None));
            Assert.Equal(17, await store.TokensSinceAsync("u:alice", TodayDate.AddDays(-1), CancellationToken.None));
            Assert.Equal(22, await store.TokensSinceAsync("g:g1", TodayDate.AddDays(-1), CancellationToken.None));
            Assert.Equal(10, await store.TokensSinceAsync("g:g2", TodayDate.AddDays(-1), CancellationToken.None));
            Assert.Equal(5, await store.TokensSinceAsync("u:bob", TodayDate, CancellationToken.None));
        }
        finally
        {
            await drop();
        }
    }

    private static UsageRecord Record(string user, string[] groups, int tokens, DateTimeOffset time) =>
        new(time, Guid.NewGuid(), user, groups, "m", "e", "chat", 200, tokens / 2, tokens - tokens / 2, tokens, 1, 1, 1, false);

    private static async Task<(SqlUsageStore Store, GatewayDatabase Database, Func<Task> Drop)> StoreAsync(string kind)
    {
        if (kind == "postgres")
        {
            var (connectionString, dropDatabase) = await Infrastructure.PostgresDatabase.CreateAsync();
            var postgres = new BrokerGateway.Ingress.Database.PostgresDatabase(connectionString);
            await postgres.MigrateAsync([UsageTotals.Fill], CancellationToken.None);
            return (new SqlUsageStore(postgres), postgres, dropDatabase);
        }

        var folder = Directory.CreateTempSubdirectory("bg-totals-");
        var sqlite = new SqliteDatabase(Path.Combine(folder.FullName, "usage.db"));
        await sqlite.MigrateAsync([UsageTotals.Fill], CancellationToken.None);
        return (new SqlUsageStore(sqlite), sqlite, () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
            return Task.CompletedTask;
        }
        );
    }
}
