namespace BrokerGateway.Bench;

/// <summary>
/// An overhead measured side by side: two gateways, one without the feature (the base) and one
/// with it, run at the same time, each warmed up (and a turn each not counted), and take turns at concurrency 32 — base, with;
/// with, base; … — so that a slow spell of the shared machine falls on both alike. The ratio is of
/// the requests per second summed over all turns; the spread of the per-pair ratios shows the noise.
/// Beside it, the CPU time each gateway's processes used per request in their turns — a steadier
/// measure of the feature's cost, since a slow spell of the machine lengthens a turn but adds
/// little CPU to it.
/// Used for the quotas ((f) against (g)) and for telemetry ((j) against (k)).
/// </summary>
public static class SideBySide
{
    public const int Concurrency = 32;
    public const int RequestsPerTurn = 10_000;

    public sealed record Outcome(string Base, string With, int Pairs, double Ratio, double MedianPairRatio, double Lowest, double Highest, int Failures)
    {
        /// <summary>The base's CPU time per request in its turns, in microseconds.</summary>
        public double BaseCpuMicroseconds { get; init; }

        /// <summary>The CPU time per request of the gateway with the feature, in microseconds.</summary>
        public double WithCpuMicroseconds { get; init; }
    }

    public static async Task<Outcome> RunAsync(LoadGenerator load, Deployment without, Deployment with, string body, string token, int pairs, TimeSpan warmup)
    {
        foreach (var deployment in new[] { without, with })
        {
            await deployment.WaitUntilReadyAsync(body, token);
            await load.WarmUpAsync(deployment.Url, body, token, Concurrency, warmup);
        }

        // One turn each that is not counted: the base sat idle through the other's warm-up, and its
        // first turn after that ran about a third slower (a first pair of 1.2–1.3× in every run).
        await load.RunAsync(without.Url, body, token, Concurrency, RequestsPerTurn);
        await load.RunAsync(with.Url, body, token, Concurrency, RequestsPerTurn);

        var (baseRequests, baseTime, withRequests, withTime, failures) = (0, TimeSpan.Zero, 0, TimeSpan.Zero, 0);
        var (baseCpu, withCpu) = (TimeSpan.Zero, TimeSpan.Zero);
        var ratios = new List<double>();
        for (var pair = 0; pair < pairs; pair++)
        {
            LoadResult a, b;
            if (pair % 2 == 0)
            {
                (a, var cpuA) = await TurnAsync(load, without, body, token);
                (b, var cpuB) = await TurnAsync(load, with, body, token);
                (baseCpu, withCpu) = (baseCpu + cpuA, withCpu + cpuB);
            }
            else
            {
                (b, var cpuB) = await TurnAsync(load, with, body, token);
                (a, var cpuA) = await TurnAsync(load, without, body, token);
                (baseCpu, withCpu) = (baseCpu + cpuA, withCpu + cpuB);
            }

            ratios.Add(b.RequestsPerSecond / a.RequestsPerSecond);
            (baseRequests, baseTime) = (baseRequests + a.Requests, baseTime + a.Elapsed);
            (withRequests, withTime) = (withRequests + b.Requests, withTime + b.Elapsed);
            failures += a.Failures + b.Failures;
            await Console.Error.WriteLineAsync($"pair {pair + 1}: {without.Mode} {a.RequestsPerSecond:0} req/s, {with.Mode} {b.RequestsPerSecond:0} req/s, {ratios[^1]:0.00}×");
        }

        var sorted = ratios.Order().ToList();
        var ratio = withRequests / withTime.TotalSeconds / (baseRequests / baseTime.TotalSeconds);
        return new Outcome(without.Mode, with.Mode, pairs, ratio, sorted[(sorted.Count - 1) / 2], sorted[0], sorted[^1], failures)
        {
            BaseCpuMicroseconds = baseCpu.TotalMicroseconds / Math.Max(1, baseRequests),
            WithCpuMicroseconds = withCpu.TotalMicroseconds / Math.Max(1, withRequests),
        };
    }

    /// <summary>One turn, and the CPU time the deployment's processes used in it.</summary>
    private static async Task<(LoadResult Result, TimeSpan Cpu)> TurnAsync(LoadGenerator load, Deployment deployment, string body, string token)
    {
        var before = deployment.ProcessorTime;
        var result = await load.RunAsync(deployment.Url, body, token, Concurrency, RequestsPerTurn);
        return (result, deployment.ProcessorTime - before);
    }
}
