using System.Net;
using BrokerGateway.Ingress.Usage;
using BrokerGateway.Tests.Infrastructure;
using Npgsql;

namespace BrokerGateway.Tests.Ingress.Usage;

/// <summary>Usage records in a real PostgreSQL (a throwaway database per test), as several replicas would share them.</summary>
public class PostgresUsageTests
{
    private const string Variable = "BROKERGATEWAY_TESTS_POSTGRES";

    private static async Task<(string ConnectionString, Func<Task> Drop)> DatabaseAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(admin))
        {
            if (Environment.GetEnvironmentVariable(Broker.RequireVariable) == "1")
            {
                throw new InvalidOperationException($"{Variable} is not set; test.sh provides a PostgreSQL server");
            }

            Skip.If(true, $"{Variable} is not set; run ./test.sh, which starts PostgreSQL");
        }

        var name = $"bgtest_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var database = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ToString();
        return (database, async () =>
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        );
    }

    [SkippableFact]
    public async Task Records_AreWrittenToPostgresAndSurviveARestart()
    {
        var (database, drop) = await DatabaseAsync();
        try
        {
            await using (var first = await StandaloneIngressFactory.CreateAsync(new() { ["ConnectionStrings:Usage"] = database }))
            {
                await first.CreateReadyClientAsync();
                var client = first.CreateClient(TestTokens.Issue("pg-user"));
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""))).StatusCode);
            }

            await using var second = await StandaloneIngressFactory.CreateAsync(new() { ["ConnectionStrings:Usage"] = database });
            await second.CreateReadyClientAsync();
            var again = second.CreateClient(TestTokens.Issue("pg-user"));
            await again.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""));

            var requests = await Eventually.Until(
                async () => (await Json.ReadAsync(await again.GetAsync("/v1/usage"))).GetProperty("data").EnumerateArray()
                    .Where(l => l.GetProperty("key").GetString() == "mock-gpt").Sum(l => l.GetProperty("requests").GetInt64()),
                count => count >= 2,
                what: "both runs' records in PostgreSQL");
            Assert.Equal(2, requests);
        }
        finally
        {
            await drop();
        }
    }

    [SkippableFact]
    public async Task Migrations_FromTwoReplicasAtOnce_ApplyOnce()
    {
        var (database, drop) = await DatabaseAsync();
        try
        {
            var stores = Enumerable.Range(0, 4).Select(_ => new PostgresUsageStore(database)).ToArray();

            await Task.WhenAll(stores.Select(s => s.MigrateAsync(CancellationToken.None)));

            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM usage_schema", connection);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            await drop();
        }
    }
}
