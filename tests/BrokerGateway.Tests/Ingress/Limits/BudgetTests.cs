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
}
