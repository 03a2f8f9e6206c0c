using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Batches;

/// <summary>Batch lines count against their owner's budget and rate limit as interactive requests do.</summary>
public class BatchQuotaTests
{
    [Fact]
    public async Task ABatchThatUsesUpItsOwnersBudget_FailsTheRestWithInsufficientQuota_AndEveryLineIsAccountedFor()
    {
        await using var gateway = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Budgets:Users:batch-spender:TokensPerDay"] = "1",
            ["Budgets:CacheSeconds"] = "0",
            ["Usage:FlushMilliseconds"] = "0",
            ["Batches:MaxLinesPerSecond"] = "20",
        });
        await gateway.CreateReadyClientAsync();
        var owner = new BatchUser(gateway.CreateClient(TestTokens.Issue("batch-spender")));
        var lines = Enumerable.Range(0, 60).Select(i => BatchUser.Line($"line-{i}")).ToList();

        var done = await owner.WaitForAsync(await owner.StartAsync(lines), null, "completed", "failed");
        var output = await owner.LinesAsync(done, "output_file_id");
        var errors = await owner.LinesAsync(done, "error_file_id");
        var interactive = await gateway.CreateClient(TestTokens.Issue("batch-spender")).PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.NotEmpty(output);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("insufficient_quota", e.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(lines.Count, done.GetProperty("request_counts").GetProperty("completed").GetInt32() + done.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"line-{i}").Order(), output.Concat(errors).Select(l => l.GetProperty("custom_id").GetString()!).Order());
        Assert.Equal(HttpStatusCode.TooManyRequests, interactive.StatusCode);
        Assert.Equal("insufficient_quota", await Json.ErrorCodeAsync(interactive));
    }

    [Fact]
    public async Task BatchLinesOverTheOwnersRateLimit_WaitForTheNextWindow_RatherThanFail()
    {
        await using var gateway = await StandaloneIngressFactory.CreateAsync(new() { ["RateLimits:Users:batch-limited:RequestsPerMinute"] = "3" });
        await gateway.CreateReadyClientAsync();
        var owner = new BatchUser(gateway.CreateClient(TestTokens.Issue("batch-limited")));

        // The limit's windows are the minutes of the clock: start early in one, so that the first
        // part of the test (a few seconds) runs within it.
        var intoMinute = TimeSpan.FromSeconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 60_000 / 1000.0);
        if (intoMinute > TimeSpan.FromSeconds(15))
        {
            await Task.Delay(TimeSpan.FromMinutes(1) - intoMinute + TimeSpan.FromMilliseconds(100));
        }

        var id = await owner.StartAsync(Enumerable.Range(0, 6).Select(i => BatchUser.Line($"line-{i}")));
        var three = await Eventually.Until(() => owner.GetAsync(id), b => b.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 3, what: "the three lines the limit lets through");
        var interactive = await gateway.CreateClient(TestTokens.Issue("batch-limited")).PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}"""));
        var later = await owner.GetAsync(id);

        Assert.Equal(3, three.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(HttpStatusCode.TooManyRequests, interactive.StatusCode);
        Assert.Equal("rate_limit_exceeded", await Json.ErrorCodeAsync(interactive));
        Assert.Equal("in_progress", later.GetProperty("status").GetString());
        Assert.Equal((3, 0), (later.GetProperty("request_counts").GetProperty("completed").GetInt32(), later.GetProperty("request_counts").GetProperty("failed").GetInt32()));

        // In the next window the lines held back run, and none of them failed.
        var done = await owner.WaitForAsync(id, TimeSpan.FromSeconds(120), "completed", "failed");
        Assert.Equal(("completed", 6, 0), (done.GetProperty("status").GetString(), done.GetProperty("request_counts").GetProperty("completed").GetInt32(), done.GetProperty("request_counts").GetProperty("failed").GetInt32()));
    }
}
