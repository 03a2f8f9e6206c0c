namespace BrokerGateway.Bench;

/// <summary>
/// The quota overhead measured side by side: the gateway with usage records and limits off (f)
/// and on (g) run at the same time, each warmed up, and take turns at concurrency 32 — f g, g f,
/// f g, … — so that a slow spell of the shared machine falls on both alike. The ratio is of the
/// requests per second summed over all turns; the spread of the per-pair ratios shows the noise.
/// </summary>
public static class QuotaPairs
{
    public const int Concurrency = 32;
    public const int RequestsPerTurn = 10_000;

    public sealed record Outcome(int Pairs, double Ratio, double MedianPairRatio, double Lowest, double Highest, int Failures);

    public static async Task<Outcome> RunAsync(LoadGenerator load, Deployment bare, Deployment quotas, string body, string token, int pairs, TimeSpan warmup)
    {
        foreach (var deployment in new[] { bare, quotas })
        {
            await deployment.WaitUntilReadyAsync(body, token);
            await load.WarmUpAsync(deployment.Url, body, token, Concurrency, warmup);
        }

        var (bareRequests, bareTime, quotaRequests, quotaTime, failures) = (0, TimeSpan.Zero, 0, TimeSpan.Zero, 0);
        var ratios = new List<double>();
        for (var pair = 0; pair < pairs; pair++)
        {
            LoadResult f, g;
            if (pair % 2 == 0)
            {
                f = await load.RunAsync(bare.Url, body, token, Concurrency, RequestsPerTurn);
                g = await load.RunAsync(quotas.Url, body, token, Concurrency, RequestsPerTurn);
            }
            else
            {
                g = await load.RunAsync(quotas.Url, body, token, Concurrency, RequestsPerTurn);
                f = await load.RunAsync(bare.Url, body, token, Concurrency, RequestsPerTurn);
            }

            ratios.Add(g.RequestsPerSecond / f.RequestsPerSecond);
            (bareRequests, bareTime) = (bareRequests + f.Requests, bareTime + f.Elapsed);
            (quotaRequests, quotaTime) = (quotaRequests + g.Requests, quotaTime + g.Elapsed);
            failures += f.Failures + g.Failures;
            await Console.Error.WriteLineAsync($"quota pair {pair + 1}: (f) {f.RequestsPerSecond:0} req/s, (g) {g.RequestsPerSecond:0} req/s, {ratios[^1]:0.00}×");
        }

        var sorted = ratios.Order().ToList();
        var ratio = quotaRequests / quotaTime.TotalSeconds / (bareRequests / bareTime.TotalSeconds);
        return new Outcome(pairs, ratio, sorted[(sorted.Count - 1) / 2], sorted[0], sorted[^1], failures);
    }
}
