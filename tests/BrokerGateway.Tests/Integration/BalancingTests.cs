using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>Load balancing over a real RabbitMQ: three endpoints of one model, counted by the endpoint that answered.</summary>
public class BalancingTests
{
    private static async Task<Dictionary<string, int>> SpreadAsync(string strategy, double[] weights, int requests)
    {
        await using var stack = await DistributedStack.CreateAsync();
        var url = stack.Upstream.BaseUrl.ToString();
        stack.Manifest.Write(
            TestManifest.Entry("one", url, "ep-1", ["spread-model"], weight: weights[0]),
            TestManifest.Entry("two", url, "ep-2", ["spread-model"], weight: weights[1]),
            TestManifest.Entry("three", url, "ep-3", ["spread-model"], weight: weights[2]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"ep-1": "k", "ep-2": "k", "ep-3": "k"}""" });
        await stack.StartIngressAsync(new() { ["Routing:Strategy"] = strategy });
        var client = stack.Client();
        await DistributedStack.UntilConsumingAsync(client, 3);

        var counts = new Dictionary<string, int> { ["ep-1"] = 0, ["ep-2"] = 0, ["ep-3"] = 0 };
        for (var i = 0; i < requests; i++)
        {
            var response = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"spread-model","messages":[{"role":"user","content":"x"}]}"""));
            counts[response.Headers.GetValues("x-gateway-endpoint").Single()]++;
        }

        return counts;
    }

    [SkippableFact]
    public async Task RoundRobin_ThreeEqualEndpoints_EachGetsAThird()
    {
        var counts = await SpreadAsync("RoundRobin", [1, 1, 1], 1000);

        Assert.All(counts.Values, count => Assert.InRange(count, 283, 383));
    }

    [SkippableFact]
    public async Task Weighted_OneOneTwo_SplitsAQuarterAQuarterAndAHalf()
    {
        // Enough draws that ±5 points is more than four standard deviations of a fair draw.
        var counts = await SpreadAsync("Weighted", [1, 1, 2], 1600);

        Assert.InRange(counts["ep-1"], 320, 480);
        Assert.InRange(counts["ep-2"], 320, 480);
        Assert.InRange(counts["ep-3"], 720, 880);
    }
}
