using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Usage;

/// <summary>Usage records on a real SQLite file, through the standalone ingress.</summary>
public sealed class UsageRecordsTests : IAsyncLifetime
{
    private const string SecretPrompt = "the-prompt-must-never-be-stored";
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = await StandaloneIngressFactory.CreateAsync(new() { ["Auth:AdminGroups"] = "admins" });
        await _factory.CreateReadyClientAsync();
    }

    private static StringContent Chat(string model, string extra = "") =>
        Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{SecretPrompt}}"}]{{extra}}}""");

    private async Task<IReadOnlyList<UsageRows.Row>> RowsForAsync(string user, int count) =>
        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(_factory.UsagePath).Where(r => r.User == user).ToArray()),
            rows => rows.Length >= count,
            what: $"{count} usage rows for {user}");

    [Fact]
    public async Task EachRequest_WritesOneRowWithTokensStatusAndTimesButNeverThePrompt()
    {
        var client = _factory.CreateClient(TestTokens.Issue("erin", groups: ["g1", "physics"]));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, (await client.PostAsync("/v1/chat/completions", Chat("fake-model", ""","fake":{"status":500}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v1/chat/completions", Chat("no-such-model"))).StatusCode);

        var rows = await RowsForAsync("erin", 3);
        Assert.Equal([("mock-gpt", 200), ("fake-model", 502), ("no-such-model", 404)], rows.Select(r => (r.Model, r.Status)));
        Assert.True(rows[0].TotalTokens > 0);
        Assert.Equal(" g1 physics ", rows[0].Groups);
        Assert.Equal(("mock-echo", "chat/completions", 1), (rows[0].EndpointId, rows[0].Route, rows[0].Attempts));
        Assert.NotNull(rows[0].UpstreamMs);
        Assert.Equal(0, rows[2].Attempts);
        Assert.All(rows, r => Assert.DoesNotContain(SecretPrompt, r.Everything, StringComparison.Ordinal));
        Assert.DoesNotContain(SecretPrompt, await File.ReadAllTextAsync(_factory.UsagePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageApi_ReturnsTheCallersTotalsByModelAndByDay()
    {
        var client = _factory.CreateClient(TestTokens.Issue("frank"));
        await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"mock-embedding","input":"x"}"""));
        await RowsForAsync("frank", 3);

        var byModel = (await Json.ReadAsync(await client.GetAsync("/v1/usage"))).GetProperty("data").EnumerateArray()
            .ToDictionary(l => l.GetProperty("key").GetString()!, l => l.GetProperty("requests").GetInt64());
        var byDay = (await Json.ReadAsync(await client.GetAsync("/v1/usage?group_by=day"))).GetProperty("data").EnumerateArray().ToArray();

        Assert.Equal(2, byModel["mock-gpt"]);
        Assert.Equal(1, byModel["mock-embedding"]);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), byDay.Single().GetProperty("key").GetString());
    }

    [Fact]
    public async Task UsageApi_OtherUsersNeedAnAdminGroup()
    {
        var frank = _factory.CreateClient(TestTokens.Issue("grace-other"));
        await frank.PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        await RowsForAsync("grace-other", 1);

        var denied = await _factory.CreateClient(TestTokens.Issue("heidi")).GetAsync("/v1/usage?user=grace-other");
        var admin = await Json.ReadAsync(await _factory.CreateClient(TestTokens.Issue("ivan", groups: ["admins"])).GetAsync("/v1/usage?user=grace-other"));
        var badGrouping = await frank.GetAsync("/v1/usage?group_by=week");

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("usage_access_denied", await Json.ErrorCodeAsync(denied));
        Assert.Equal(1, admin.GetProperty("data").EnumerateArray().Single(l => l.GetProperty("key").GetString() == "mock-gpt").GetProperty("requests").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, badGrouping.StatusCode);
    }

    [Fact]
    public async Task UsageApi_AdminGroupFilter_MatchesTheGroupExactly()
    {
        await _factory.CreateClient(TestTokens.Issue("kim", groups: ["g1", "alcf_users"])).PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        await _factory.CreateClient(TestTokens.Issue("lee", groups: ["g1", "alcfXusers"])).PostAsync("/v1/chat/completions", Chat("mock-gpt"));
        await RowsForAsync("kim", 1);
        await RowsForAsync("lee", 1);

        var report = await Json.ReadAsync(await _factory.CreateClient(TestTokens.Issue("ivan", groups: ["admins"])).GetAsync("/v1/usage?group=alcf_users"));

        Assert.Equal(1, report.GetProperty("data").EnumerateArray().Sum(l => l.GetProperty("requests").GetInt64()));
    }

    [Fact]
    public async Task GracefulStop_LosesNoRecord()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("bg-usage-stop-").FullName, "usage.db");
        var factory = await StandaloneIngressFactory.CreateAsync(new() { ["Usage:SqlitePath"] = path });
        await factory.CreateReadyClientAsync();
        var client = factory.CreateClient(TestTokens.Issue("judy"));
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat("mock-gpt"))).StatusCode);
        }

        await factory.DisposeAsync();

        Assert.Equal(50, UsageRows.Read(path).Count(r => r.User == "judy"));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
