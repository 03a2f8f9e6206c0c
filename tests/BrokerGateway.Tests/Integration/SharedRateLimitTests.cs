using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>Two ingress instances with their counters in one real Redis hold one limit between them.</summary>
public class SharedRateLimitTests
{
    [SkippableFact]
    public async Task TwoIngresses_SharingRedis_LetExactlyTheLimitThroughInTotal()
    {
        var redis = Environment.GetEnvironmentVariable("BROKERGATEWAY_TESTS_REDIS");
        if (string.IsNullOrEmpty(redis))
        {
            if (Environment.GetEnvironmentVariable(Broker.RequireVariable) == "1")
            {
                throw new InvalidOperationException("BROKERGATEWAY_TESTS_REDIS is not set; test.sh starts Redis");
            }

            Skip.If(true, "BROKERGATEWAY_TESTS_REDIS is not set; run ./test.sh, which starts Redis");
        }

        using var manifest = new TestManifest(TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        var user = $"limited-{Guid.NewGuid():N}";
        Dictionary<string, string?> Settings() => new(TestTokens.Configuration)
        {
            ["METIS_STATUS_URL"] = manifest.Path,
            ["REDIS_URL"] = redis,
            [$"RateLimits:Users:{user}:RequestsPerMinute"] = "5",
        };
        await using var first = await GatewayHosts.StartIngressAsync(Settings());
        await using var second = await GatewayHosts.StartIngressAsync(Settings());
        var ready = first.CreateClient(TestTokens.Issue("probe"));
        await Eventually.Until(
            async () => (await ready.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}"""))).StatusCode,
            s => s == HttpStatusCode.OK,
            what: "first ingress ready");
        var readySecond = second.CreateClient(TestTokens.Issue("probe"));
        await Eventually.Until(
            async () => (await readySecond.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}"""))).StatusCode,
            s => s == HttpStatusCode.OK,
            what: "second ingress ready");

        // The windows are whole minutes: start well inside one, so that all seven requests fall in it.
        if (DateTime.UtcNow.Second >= 50)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - DateTime.UtcNow.Second));
        }

        var token = TestTokens.Issue(user);
        var responses = new List<HttpResponseMessage>();
        foreach (var ingress in new[] { first, second, first, second, first, second, first })
        {
            responses.Add(await ingress.CreateClient(token).PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}""")));
        }

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limit_exceeded", await Json.ErrorCodeAsync(refused));
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("5", responses[0].Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("4", responses[0].Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.EndsWith("s", responses[0].Headers.GetValues("x-ratelimit-reset-requests").Single(), StringComparison.Ordinal);
    }
}
