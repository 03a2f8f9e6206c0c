using System.Net;
using BrokerGateway.Ingress.Usage;
using BrokerGateway.Tests.Infrastructure;
using Npgsql;

namespace BrokerGateway.Tests.Ingress.Usage;

/// <summary>Usage records in a real PostgreSQL (a throwaway database per test), as several replicas would share them.</summary>
public class PostgresUsageTests
{
    private static Task<(string ConnectionString, Func<Task> Drop)> DatabaseAsync() => PostgresDatabase.CreateAsync();

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
            var replicas = Enumerable.Range(0, 4).Select(_ => new BrokerGateway.Ingress.Database.PostgresDatabase(database)).ToArray();

            await Task.WhenAll(replicas.Select(r => r.MigrateAsync([UsageTotals.Fill], CancellationToken.None)));

            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT COUNT(*), COUNT(DISTINCT version), MIN(version) FROM gateway_schema", connection);
            await using var reader = await count.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1, reader.GetInt64(2));
            Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        }
        finally
        {
            await drop();
        }
    }

    [SkippableFact]
    public async Task Rows_ForSuccessUpstreamErrorAndFailover_LandInPostgres()
    {
        var (database, drop) = await DatabaseAsync();
        try
        {
            await using (var gateway = await StandaloneIngressFactory.CreateAsync(
                new()
                {
                    ["ConnectionStrings:Usage"] = database,
                    ["Routing:Strategy"] = "Weighted",
                    ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{StandaloneIngressFactory.UpstreamKey}}", "dead-endpoint": "k"}""",
                },
                TestManifest.Entry("dead", "http://127.0.0.1:1/v1", "dead-endpoint", ["fake-model"], weight: 1_000_000)))
            {
                await gateway.CreateReadyClientAsync();
                var client = gateway.CreateClient(TestTokens.Issue("pg-rows"));
                await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""));
                var failedOver = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}"""));
                var upstreamError = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"fake":{"status":422}}"""));
                Assert.Equal(HttpStatusCode.OK, failedOver.StatusCode);
                Assert.Equal("2", failedOver.Headers.GetValues("x-gateway-attempts").Single());
                Assert.Equal(HttpStatusCode.UnprocessableEntity, upstreamError.StatusCode);
            }

            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT model, status, attempts, endpoint_id FROM usage_records WHERE user_id = 'pg-rows' ORDER BY id", connection);
            var rows = new List<(string Model, int Status, int Attempts, string? Endpoint)>();
            await using (var reader = await select.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
                }
            }

            Assert.Equal(3, rows.Count);
            Assert.Equal(("mock-gpt", 200, 1, "mock-echo"), rows[0]);
            Assert.Equal(("fake-model", 200, 2, "fake-endpoint"), rows[1]);
            Assert.Equal(("fake-model", 422, "fake-endpoint"), (rows[2].Model, rows[2].Status, rows[2].Endpoint));
        }
        finally
        {
            await drop();
        }
    }
}
