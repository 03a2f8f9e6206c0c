using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Batches;

/// <summary>A batch that outlives its completion window, and a batch kept in a real PostgreSQL.</summary>
public sealed class BatchExpiryAndPostgresTests
{
    [Fact]
    public async Task ABatchNotDoneWithinItsWindow_Expires_AndTheRestIsReportedExpired()
    {
        // Five lines a second against a two-second window: most of the hundred cannot be run in time.
        await using var factory = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Batches:CompletionWindowSeconds"] = "2",
            ["Batches:MaxLinesPerSecond"] = "5",
        });
        await factory.CreateReadyClientAsync();
        var user = new BatchUser(factory.CreateClient(TestTokens.Issue("late")));

        var id = await user.StartAsync(Enumerable.Range(0, 100).Select(i => BatchUser.Line($"e{i}")));
        var expired = await user.WaitForAsync(id, TimeSpan.FromSeconds(60), "expired", "completed");
        var output = await user.LinesAsync(expired, "output_file_id");
        var errors = await user.LinesAsync(expired, "error_file_id");

        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, expired.GetProperty("expired_at").ValueKind);
        Assert.Equal(100, output.Count + errors.Count);
        Assert.True(errors.Count > 50, $"{errors.Count} lines expired");
        Assert.All(errors, l => Assert.Equal("batch_expired", l.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(100, output.Concat(errors).Select(l => l.GetProperty("custom_id").GetString()).Distinct().Count());
    }

    [SkippableFact]
    public async Task ABatchInPostgres_RunsToCompleted()
    {
        var (database, drop) = await PostgresDatabase.CreateAsync();
        try
        {
            await using var factory = await StandaloneIngressFactory.CreateAsync(new() { ["ConnectionStrings:Usage"] = database });
            await factory.CreateReadyClientAsync();
            var user = new BatchUser(factory.CreateClient(TestTokens.Issue("pg-batcher")));

            var id = await user.StartAsync(Enumerable.Range(0, 300).Select(i => BatchUser.Line($"pg-{i}", content: $"pg {i}")));
            var done = await user.WaitForAsync(id, null, "completed", "failed");
            var output = await user.LinesAsync(done, "output_file_id");

            Assert.Equal("completed", done.GetProperty("status").GetString());
            Assert.Equal(300, output.Select(l => l.GetProperty("custom_id").GetString()).Distinct().Count());
        }
        finally
        {
            await drop();
        }
    }
}
