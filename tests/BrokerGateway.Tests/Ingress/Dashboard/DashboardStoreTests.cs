using BrokerGateway.Ingress.Batches;
using BrokerGateway.Ingress.Dashboard;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Usage;

namespace BrokerGateway.Tests.Ingress.Dashboard;

/// <summary>The dashboard's aggregates, computed by SQLite and by PostgreSQL from usage records, daily totals and batches written as the gateway writes them.</summary>
public class DashboardStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 30, 20, TimeSpan.Zero);

    public static TheoryData<string> Databases => ["sqlite", "postgres"];

    private static UsageRecord Record(DateTimeOffset at, string model, int status, double ms, string user = "alice", string[]? groups = null, int tokens = 10, string? batch = null) =>
        new(at, Guid.NewGuid(), user, groups ?? ["physics"], model, "an-endpoint", "chat/completions", status, tokens / 2, tokens - (tokens / 2), tokens, ms, ms, 1, false, batch);

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Traffic_CountsTheLastHoursInteractiveRequestsPerMinuteAndModel(string kind)
    {
        var (database, drop) = await DatabaseAsync(kind);
        try
        {
            var minute = new DateTimeOffset(2026, 12, 7, 10, 29, 0, TimeSpan.Zero);
            await new SqlUsageStore(database).InsertAsync(
            [
                Record(minute.AddSeconds(1), "gpt-4o", 200, 100),
                Record(minute.AddSeconds(2), "gpt-4o", 200, 300),
                Record(minute.AddSeconds(3), "gpt-4o", 200, 400),
                Record(minute.AddSeconds(4), "gpt-4o", 429, 1),
                Record(minute.AddSeconds(5), "gpt-4o", 502, 30_000),
                Record(Now.AddSeconds(-5), "llama", 200, 1_500),
                Record(Now.AddSeconds(-5), "llama", 200, 1_500, batch: "batch_abc"),
                Record(Now.AddHours(-2), "gpt-4o", 200, 100),
            ], CancellationToken.None);

            var traffic = await new DashboardStore(database).TrafficAsync(Now, 60, CancellationToken.None);

            Assert.Equal(60, traffic.Minutes.Count);
            Assert.Equal(("2026-12-07T09:31", "2026-12-07T10:30"), (traffic.Minutes[0], traffic.Minutes[^1]));
            Assert.Equal(["gpt-4o", "llama"], traffic.Models.Select(m => m.Model));
            var gpt = traffic.Models[0];
            Assert.Equal((5L, 1L, 1L), (gpt.Requests[58], gpt.ClientErrors[58], gpt.ServerErrors[58]));
            Assert.Equal(5, gpt.Requests.Sum());

            // The answered requests' durations only: 100, 300 and 400 ms, in the buckets [100, 200) and [200, 500).
            Assert.InRange(gpt.P50Milliseconds[58]!.Value, 200, 500);
            Assert.InRange(gpt.P95Milliseconds[58]!.Value, gpt.P50Milliseconds[58]!.Value, 500);
            Assert.Null(gpt.P50Milliseconds[59]);
            var llama = traffic.Models[1];
            Assert.Equal(1, llama.Requests[59]);
            Assert.InRange(llama.P50Milliseconds[59]!.Value, 1_000, 2_000);
        }
        finally
        {
            await drop();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Tokens_PerUserAndGroup_TodayAndThisMonth_MostFirst(string kind)
    {
        var (database, drop) = await DatabaseAsync(kind);
        try
        {
            await new SqlUsageStore(database).InsertAsync(
            [
                Record(Now, "gpt-4o", 200, 100, "alice", ["physics", "chemistry"], tokens: 100),
                Record(Now.AddDays(-3), "gpt-4o", 200, 100, "alice", ["physics"], tokens: 1_000),
                Record(Now, "gpt-4o", 200, 100, "bob", ["chemistry"], tokens: 50),
                Record(Now.AddDays(-7), "gpt-4o", 200, 100, "carol", ["physics"], tokens: 5_000),
            ], CancellationToken.None);

            var tokens = await new DashboardStore(database).TokensAsync(DateOnly.FromDateTime(Now.UtcDateTime), CancellationToken.None);

            Assert.Equal(("2026-12-07", "2026-12-01"), (tokens.Day, tokens.MonthFrom));
            Assert.Equal([("alice", 100L, 1_100L), ("bob", 50L, 50L)], tokens.Users.Select(u => (u.Name, u.Today, u.Month)));
            Assert.Equal([("physics", 100L, 1_100L), ("chemistry", 150L, 150L)], tokens.Groups.Select(g => (g.Name, g.Today, g.Month)));
        }
        finally
        {
            await drop();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Batches_OnlyThoseARunnerStillHasWorkIn(string kind)
    {
        var (database, drop) = await DatabaseAsync(kind);
        try
        {
            await InsertBatchAsync(database, "batch_running", BatchStatus.InProgress, total: 10, completed: 4, failed: 1, createdAt: 2);
            await InsertBatchAsync(database, "batch_waiting", BatchStatus.Validating, total: 0, completed: 0, failed: 0, createdAt: 1);
            await InsertBatchAsync(database, "batch_done", BatchStatus.Completed, total: 5, completed: 5, failed: 0, createdAt: 0);

            var batches = await new DashboardStore(database).BatchesAsync(CancellationToken.None);

            Assert.Equal(["batch_waiting", "batch_running"], batches.Select(b => b.Id));
            Assert.Equal(("in_progress", 10, 4, 1), (batches[1].Status, batches[1].Total, batches[1].Completed, batches[1].Failed));
        }
        finally
        {
            await drop();
        }
    }

    private static async Task InsertBatchAsync(GatewayDatabase database, string id, string status, int total, int completed, int failed, long createdAt)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var insert = connection.Command("""
            INSERT INTO gateway_batches (id, owner, groups, endpoint, input_file_id, completion_window, status, created_at, expires_at, total, completed, failed)
            VALUES (@id, 'alice', ' physics ', '/v1/chat/completions', 'file-1', '24h', @status, @created, @created, @total, @completed, @failed)
            """);
        insert.Parameter("@id", id);
        insert.Parameter("@status", status);
        insert.Parameter("@created", createdAt);
        insert.Parameter("@total", total);
        insert.Parameter("@completed", completed);
        insert.Parameter("@failed", failed);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<(GatewayDatabase Database, Func<Task> Drop)> DatabaseAsync(string kind)
    {
        if (kind == "postgres")
        {
            var (connectionString, dropDatabase) = await Infrastructure.PostgresDatabase.CreateAsync();
            var postgres = new BrokerGateway.Ingress.Database.PostgresDatabase(connectionString);
            await postgres.MigrateAsync([UsageTotals.Fill], CancellationToken.None);
            return (postgres, dropDatabase);
        }

        var folder = Directory.CreateTempSubdirectory("bg-dashboard-");
        var sqlite = new SqliteDatabase(Path.Combine(folder.FullName, "gateway.db"));
        await sqlite.MigrateAsync([UsageTotals.Fill], CancellationToken.None);
        return (sqlite, () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
            return Task.CompletedTask;
        }
        );
    }
}
