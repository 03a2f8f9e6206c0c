using BrokerGateway.Ingress.Batches;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Files;
using BrokerGateway.Ingress.Usage;

namespace BrokerGateway.Tests.Ingress.Database;

/// <summary>
/// A database written by the release before the gateway's database was one module (its schema
/// versions in <c>usage_schema</c>) upgrades in place: the versions are copied to
/// <c>gateway_schema</c>, nothing is migrated twice, every usage record, file and batch is still
/// there, and <c>usage_schema</c> is left as it was for replicas of that release. The
/// databases are dumps of what that release wrote for one chat request and one finished batch
/// (<c>schema-v4.*.sql</c>).
/// </summary>
public class GatewayDatabaseTests
{
    public static TheoryData<string> Databases => ["sqlite", "postgres"];

    [SkippableTheory]
    [MemberData(nameof(Databases))]
    public async Task Migrate_ADatabaseOfTheFormerSchema_UpgradesInPlaceWithNothingLost(string kind)
    {
        var (database, drop) = await FormerDatabaseAsync(kind);
        try
        {
            await database.MigrateAsync([UsageTotals.Fill], CancellationToken.None);
            await database.MigrateAsync([UsageTotals.Fill], CancellationToken.None);

            var versions = await ColumnAsync(database, "SELECT version FROM gateway_schema ORDER BY version");
            Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6, 7 }, versions);
            var former = await ColumnAsync(database, "SELECT version FROM usage_schema ORDER BY version");
            Assert.Equal(new long[] { 1, 2, 3, 4 }, former);

            var usage = new SqlUsageStore(database);
            var month = new UsageQuery(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), UsageGrouping.Day, "fixture-user", null);
            var day = Assert.Single(await usage.QueryAsync(month, CancellationToken.None));
            Assert.Equal(2, day.Requests);
            Assert.Equal(26, day.TotalTokens);
            Assert.Equal(26, await usage.TokensSinceAsync("u:fixture-user", new DateOnly(2026, 12, 1), CancellationToken.None));

            var files = await new SqlFileStore(database).ListAsync("fixture-user", null, null, 10, CancellationToken.None);
            Assert.Equal(["batch", "batch_output"], files.Select(f => f.Purpose).Order().ToArray());
            var batch = Assert.Single(await new SqlBatchStore(database).ListAsync("fixture-user", null, 10, CancellationToken.None));
            Assert.Equal("completed", batch.Status);
            Assert.Equal(1, batch.Completed);
        }
        finally
        {
            await drop();
        }
    }

    private static async Task<long[]> ColumnAsync(GatewayDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Command(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return [.. values];
    }

    /// <summary>A fresh database loaded with the dump of what the former release wrote.</summary>
    private static async Task<(GatewayDatabase Database, Func<Task> Drop)> FormerDatabaseAsync(string kind)
    {
        var dump = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Ingress", "Database", $"schema-v4.{kind}.sql"));
        if (kind == "postgres")
        {
            var (connectionString, dropDatabase) = await Infrastructure.PostgresDatabase.CreateAsync();
            var postgres = new BrokerGateway.Ingress.Database.PostgresDatabase(connectionString);
            await LoadAsync(postgres, dump);
            return (postgres, dropDatabase);
        }

        var folder = Directory.CreateTempSubdirectory("bg-upgrade-");
        var sqlite = new SqliteDatabase(Path.Combine(folder.FullName, "gateway.db"));
        await LoadAsync(sqlite, dump);
        return (sqlite, () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
            return Task.CompletedTask;
        }
        );
    }

    private static async Task LoadAsync(GatewayDatabase database, string dump)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Command(dump);
        await command.ExecuteNonQueryAsync();
    }
}
