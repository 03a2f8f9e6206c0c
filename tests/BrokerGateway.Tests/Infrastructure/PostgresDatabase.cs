using Npgsql;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// A throwaway database on the PostgreSQL server named by <c>BROKERGATEWAY_TESTS_POSTGRES</c>
/// (test.sh starts one). Without it the test is skipped, unless test.sh's
/// <c>BROKERGATEWAY_TESTS_REQUIRE_BROKER</c> is set, in which case it fails.
/// </summary>
public static class PostgresDatabase
{
    private const string Variable = "BROKERGATEWAY_TESTS_POSTGRES";

    public static async Task<(string ConnectionString, Func<Task> Drop)> CreateAsync()
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
}
