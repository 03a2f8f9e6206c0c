using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Limits;

/// <summary>Token budgets computed from the usage records on a real SQLite file.</summary>
public class BudgetTests
{
    private static StringContent Chat() => Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"spend some tokens on this"}]}""");

    [Fact]
    public async Task DailyBudget_UsedUp_Is429InsufficientQuota_AndARestartDoesNotResetIt()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("bg-budget-").FullName, "usage.db");
        var settings = new Dictionary<string, string?>
        {
            ["Usage:SqlitePath"] = path,
            ["Budgets:Users:spender:TokensPerDay"] = "40",
            ["Budgets:CacheSeconds"] = "0",
        };

        await using (var first = await StandaloneIngressFactory.CreateAsync(settings))
        {
            await first.CreateReadyClientAsync();
            var client = first.CreateClient(TestTokens.Issue("spender"));
            var refused = await Eventually.Until(
                () => client.PostAsync("/v1/chat/completions", Chat()),
                r => r.StatusCode != HttpStatusCode.OK,
                what: "the budget used up");

            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("insufficient_quota", await Json.ErrorCodeAsync(refused));
            var message = (await Json.ReadAsync(refused)).GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains("daily budget of 40 tokens for user 'spender'", message, StringComparison.Ordinal);
            Assert.Contains("resets at " + DateTime.UtcNow.Date.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await first.CreateClient(TestTokens.Issue("someone-else")).PostAsync("/v1/chat/completions", Chat())).StatusCode);
        }

        await using var second = await StandaloneIngressFactory.CreateAsync(settings);
        await second.CreateReadyClientAsync();

        var afterRestart = await second.CreateClient(TestTokens.Issue("spender")).PostAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.TooManyRequests, afterRestart.StatusCode);
    }

    [Fact]
    public async Task GroupBudget_IsSharedByItsMembers_AndNamesTheGroup()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("bg-budget-").FullName, "usage.db");
        await using var gateway = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Usage:SqlitePath"] = path,
            ["Budgets:Groups:lab:TokensPerMonth"] = "40",
            ["Budgets:Groups:other:TokensPerMonth"] = "100000",
            ["Budgets:CacheSeconds"] = "0",
        });
        await gateway.CreateReadyClientAsync();
        var first = gateway.CreateClient(TestTokens.Issue("lab-member-1", groups: ["lab", "other"]));

        await Eventually.Until(
            () => first.PostAsync("/v1/chat/completions", Chat()),
            r => r.StatusCode != HttpStatusCode.OK,
            what: "the group's budget used up by one member");
        var second = await gateway.CreateClient(TestTokens.Issue("lab-member-2", groups: ["lab"])).PostAsync("/v1/chat/completions", Chat());
        // "other" has its own, larger budget, which the first member's spending also counts against.
        var outsider = await gateway.CreateClient(TestTokens.Issue("outsider", groups: ["other"])).PostAsync("/v1/chat/completions", Chat());

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Contains("monthly budget of 40 tokens for group 'lab'", (await Json.ReadAsync(second)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, outsider.StatusCode);
    }
}
