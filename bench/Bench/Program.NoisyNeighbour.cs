using System.Globalization;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Bench;

public sealed partial class Program
{
    /// <summary>The noisy neighbour's endpoint: how many requests it takes at once, and how long each takes.</summary>
    public const int NeighbourCapacity = 8;
    public const int NeighbourLatencyMs = 200;

    /// <summary>
    /// The noisy neighbour, over RabbitMQ: one endpoint that takes <see cref="NeighbourCapacity"/>
    /// requests at once (its manifest's <c>max_concurrency</c>, and the fake upstream's own limit),
    /// each answered in <see cref="NeighbourLatencyMs"/>. Account B alone at concurrency 2, then
    /// account A flooding at 64 beside it, with equal shares — first come first served, then fair
    /// share, each on a gateway of its own; then both flooding with shares 3:1, from a standing
    /// start, and then again on the same gateway, counting from a third of the time on (when what
    /// each has waiting in line no longer weighs on the split of what is done). Each set-up is
    /// warmed up with quick requests of a third caller first.
    /// </summary>
    private static async Task<NeighbourOutcome> NoisyNeighbourAsync(BenchOptions options, JwtOptions jwt, string folder)
    {
        var port = ServiceProcess.FreePort();
        using var upstream = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests",
            "--urls", $"http://127.0.0.1:{port}", "--no-record", "--max-concurrency", NeighbourCapacity.ToString(CultureInfo.InvariantCulture));
        var manifest = Path.Combine(folder, "neighbours.json");
        await File.WriteAllTextAsync(manifest, $$$"""
            {"bench-endpoint": {"status": "Live", "model": "Fake upstream", "description": "benchmark target", "experts": ["bench-model"],
                                "url": "http://127.0.0.1:{{{port}}}/v1", "endpoint_id": "bench-endpoint", "max_concurrency": {{{NeighbourCapacity}}}}}
            """);
        var warmToken = TokenIssuer.Issue(jwt, "bench", [], TimeSpan.FromHours(2), TimeProvider.System);
        var a = TokenIssuer.Issue(jwt, "ann", ["proj-a"], TimeSpan.FromHours(2), TimeProvider.System);
        var b = TokenIssuer.Issue(jwt, "bea", ["proj-b"], TimeSpan.FromHours(2), TimeProvider.System);
        var duration = TimeSpan.FromSeconds(options.FairShareSeconds);
        var body = NoisyNeighbour.Body(NeighbourLatencyMs);
        using var neighbours = new NoisyNeighbour();
        using var load = new LoadGenerator();

        async Task<Deployment> StartAsync(string name, bool fair, double shareA)
        {
            var fairShare = new Dictionary<string, string>
            {
                ["FairShare__Enabled"] = fair ? "true" : "false",
                ["FairShare__Shares__proj-a"] = shareA.ToString(CultureInfo.InvariantCulture),
                ["FairShare__Shares__proj-b"] = "1",
            };
            var ingressPort = ServiceProcess.FreePort();
            var ingress = Merge(new Dictionary<string, string>(Common)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ingressPort}",
                ["Auth__Jwt__SigningKey"] = jwt.SigningKey!,
                ["Auth__Jwt__Issuer"] = jwt.Issuer!,
                ["Auth__Jwt__Audience"] = jwt.Audience!,
                ["Usage__SqlitePath"] = Path.Combine(folder, $"usage-neighbours-{Guid.NewGuid():N}.db"),
            }, fairShare);
            var deployment = await DistributedAsync(name, ingress, manifest, ingressPort, fairShare);
            await deployment.WaitUntilReadyAsync(NoisyNeighbour.Body(0), warmToken);
            await load.WarmUpAsync(deployment.Url, NoisyNeighbour.Body(0), warmToken, 32, TimeSpan.FromSeconds(options.WarmupSeconds));
            return deployment;
        }

        var rows = new List<NeighbourRow>();
        foreach (var fair in new[] { false, true })
        {
            using var deployment = await StartAsync(fair ? "fair share" : "first come, first served", fair, 1);
            var idle = await neighbours.RunAsync(deployment.Url, [new("B", b, 2)], body, duration / 3);
            var flood = await neighbours.RunAsync(deployment.Url, [new("A", a, 64), new("B", b, 2)], body, duration);
            rows.Add(new NeighbourRow(deployment.Mode, idle["B"], flood["A"], flood["B"]));
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"neighbours, {deployment.Mode}: B p50 idle {idle["B"].P50:0} ms, flooded {flood["B"].P50:0} ms; A {flood["A"].RequestsPerSecond:0.0} req/s, B {flood["B"].RequestsPerSecond:0.0} req/s"));
        }

        using (var deployment = await StartAsync("fair share, shares 3:1", true, 3))
        {
            var both = await neighbours.RunAsync(deployment.Url, [new("A", a, 64), new("B", b, 64)], body, duration);
            var steady = await neighbours.RunAsync(deployment.Url, [new("A", a, 64), new("B", b, 64)], body, duration + (duration / 3), countFrom: duration / 3);
            await Console.Error.WriteLineAsync($"neighbours, shares 3:1: from the start A {both["A"].Requests}, B {both["B"].Requests}; steady A {steady["A"].Requests}, B {steady["B"].Requests} completed");
            return new NeighbourOutcome(rows, both["A"], both["B"], steady["A"], steady["B"]);
        }
    }
}

/// <summary>One set-up of the noisy neighbour: B alone, then A and B together.</summary>
public sealed record NeighbourRow(string Mode, LoadResult BAlone, LoadResult AFlooding, LoadResult BBeside);

/// <summary>The noisy neighbour's measurements: with one flooding, off and on; and both flooding with shares 3:1.</summary>
public sealed record NeighbourOutcome(IReadOnlyList<NeighbourRow> Rows, LoadResult ThreeShares, LoadResult OneShare, LoadResult ThreeSharesSteady, LoadResult OneShareSteady);
