using System.Globalization;

namespace BrokerGateway.Bench;

/// <summary>Command-line settings: <c>--requests-c1 N --requests-c32 N --warmup N --warmup-seconds N --modes direct,standalone,rabbitmq,healthy-pair,flaky-pair,standalone-bare,standalone-quotas,standalone-anthropic,direct-anthropic,standalone-telemetry[,rabbitmq-quorum] --rounds N --stream-events N --batch-lines N --batch-pace N --quota-pairs N --telemetry-pairs N --stream-counts 50,200,500 --burst-callers 500,2000 --burst-requests N --burst-latency-ms N --fairshare-seconds N</c> (warm-up: seconds of load at concurrency 32 on each set-up before anything is measured, then N requests at each concurrency; 0 events or lines: no streaming, no batch runs; the pace is the gateway's Batches:MaxLinesPerSecond, its default if not given; quota pairs: turns of (f) and (g) side by side, 0: none; telemetry pairs: turns of (j) telemetry off and (k) on, exporting to a local OTLP sink and scraped, side by side, 0: none; stream counts: how many streams at once, 0: none; burst callers: how many callers start together against a slow upstream, each sending burst-requests requests, 0: none; fair-share seconds: how long each flood of the noisy-neighbour scenario lasts, over RabbitMQ, 0: none).</summary>
/// <remarks>With several rounds the set-ups take turns (all modes once, then all again), so a slow spell of the machine falls on all of them.</remarks>
public sealed record BenchOptions(int RequestsAtOne, int RequestsAtThirtyTwo, int Warmup, int WarmupSeconds, IReadOnlyList<string> Modes, int Rounds, int StreamEvents, int BatchLines, int? BatchPace, int QuotaPairs)
{
    /// <summary>How many streams run at once in the concurrent-streams measurement (each of 100 events 20 ms apart).</summary>
    public IReadOnlyList<int> StreamCounts { get; init; } = [50, 200, 500];

    /// <summary>How many callers start together in the burst measurement.</summary>
    public IReadOnlyList<int> BurstCallers { get; init; } = [500, 2000];

    public int BurstRequests { get; init; } = 3;

    /// <summary>Turns of (j) and (k) side by side: telemetry off against on.</summary>
    public int TelemetryPairs { get; init; } = 10;

    /// <summary>More settings for (k), to tell what part of telemetry costs what (<c>--telemetry-env OTEL_TRACES_SAMPLER=always_off,…</c>).</summary>
    public IReadOnlyDictionary<string, string> TelemetryEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long each flood of the noisy-neighbour scenario lasts (fair share off and on, then shares 3:1); 0: not run.</summary>
    public int FairShareSeconds { get; init; } = 30;

    /// <summary>How long the burst's upstream takes for every answer.</summary>
    public int BurstLatencyMs { get; init; } = 2000;

    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        IReadOnlyList<int> List(string name, IReadOnlyList<int> fallback) =>
            Value(name) is { } text ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).Where(n => n > 0)] : fallback;
        return new BenchOptions(
            Number("--requests-c1", 5000),
            Number("--requests-c32", 30000),
            Number("--warmup", 2000),
            Math.Max(0, Number("--warmup-seconds", 20)),
            (Value("--modes") ?? "direct,standalone,rabbitmq,healthy-pair,flaky-pair,standalone-bare,standalone-quotas,standalone-anthropic,direct-anthropic,standalone-telemetry").Split(',', StringSplitOptions.RemoveEmptyEntries),
            Math.Max(1, Number("--rounds", 1)),
            Math.Max(0, Number("--stream-events", 10_000)),
            Math.Max(0, Number("--batch-lines", 10_000)),
            Value("--batch-pace") is { } pace ? int.Parse(pace, CultureInfo.InvariantCulture) : null,
            Math.Max(0, Number("--quota-pairs", 10)))
        {
            StreamCounts = List("--stream-counts", [50, 200, 500]),
            BurstCallers = List("--burst-callers", [500, 2000]),
            BurstRequests = Math.Max(1, Number("--burst-requests", 3)),
            BurstLatencyMs = Math.Max(1, Number("--burst-latency-ms", 2000)),
            TelemetryPairs = Math.Max(0, Number("--telemetry-pairs", 10)),
            TelemetryEnvironment = (Value("--telemetry-env") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty),
            FairShareSeconds = Math.Max(0, Number("--fairshare-seconds", 30)),
        };
    }
}
