using System.Globalization;

namespace BrokerGateway.Bench;

/// <summary>
/// The Markdown table: one row per set-up and concurrency — with several rounds, the round with
/// the median requests/s — and the ratios to the fake upstream called directly in the same run.
/// </summary>
public static class ResultTable
{
    public static void Print(IReadOnlyList<ResultRow> rows, int rounds)
    {
        var culture = CultureInfo.InvariantCulture;
        var medians = rows.GroupBy(r => (r.Mode, r.Concurrency)).Select(Median).ToList();
        Console.WriteLine($"Machine: {MachineInfo.Describe()}");
        Console.WriteLine();
        if (rounds > 1)
        {
            Console.WriteLine($"Each row is the median of {rounds} rounds by req/s; in each round every set-up ran once, in turn.");
            Console.WriteLine();
        }

        Console.WriteLine("| set-up | concurrency | requests | success | req/s | p50 ms | p90 ms | p99 ms | req/s vs (a) | p50 added over (a) | gateway RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (mode, concurrency, _, result, memory) in medians)
        {
            var direct = medians.FirstOrDefault(r => r.Concurrency == concurrency && r.Mode.StartsWith("(a)", StringComparison.Ordinal))?.Result;
            var ratio = direct is null ? "" : string.Create(culture, $"{result.RequestsPerSecond / direct.RequestsPerSecond:0.00}×");
            var added = direct is null ? "" : string.Create(culture, $"{result.P50 - direct.P50:+0.00;-0.00} ms");
            var rss = mode.StartsWith("(a)", StringComparison.Ordinal) ? "–" : memory.ToString("0", culture);
            Console.WriteLine(string.Create(culture,
                $"| {mode} | {concurrency} | {result.Requests} | {100.0 * (result.Requests - result.Failures) / result.Requests:0.##}% | {result.RequestsPerSecond:0} | {result.P50:0.00} | {result.P90:0.00} | {result.P99:0.00} | {ratio} | {added} | {rss} |"));
        }

        PrintQuotaOverhead(rows, medians);
    }

    /// <summary>(g) against (f) at concurrency 32: the cost of usage records and limits, per round and for the medians.</summary>
    private static void PrintQuotaOverhead(IReadOnlyList<ResultRow> rows, IReadOnlyList<ResultRow> medians)
    {
        static bool Is(ResultRow row, string prefix) => row.Concurrency == 32 && row.Mode.StartsWith(prefix, StringComparison.Ordinal);
        var bare = medians.FirstOrDefault(r => Is(r, "(f)"));
        var quotas = medians.FirstOrDefault(r => Is(r, "(g)"));
        if (bare is null || quotas is null)
        {
            return;
        }

        var perRound = rows.Where(r => Is(r, "(g)"))
            .Join(rows.Where(r => Is(r, "(f)")), g => g.Round, f => f.Round, (g, f) => (g.Result.RequestsPerSecond / f.Result.RequestsPerSecond).ToString("0.00", CultureInfo.InvariantCulture));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Quota overhead at concurrency 32: (g) runs at {quotas.Result.RequestsPerSecond / bare.Result.RequestsPerSecond:0.00}× the req/s of (f) (median rounds); round by round: {string.Join(", ", perRound)}."));
    }

    /// <summary>
    /// The cost of translating to Anthropic's dialect: (h) against (b) — the same requests, translated
    /// or passed through — round by round at each concurrency and for one long stream, and each
    /// gateway against its own upstream called directly ((h)/(i) beside (b)/(a)), which takes the
    /// fakes' own cost out.
    /// </summary>
    public static void PrintTranslation(IReadOnlyList<ResultRow> rows, IReadOnlyList<StreamRow> streams)
    {
        var culture = CultureInfo.InvariantCulture;
        static string Ratio(double a, double b) => (a / b).ToString("0.00", CultureInfo.InvariantCulture);
        var lines = new List<string>();
        foreach (var concurrency in rows.Select(r => r.Concurrency).Distinct())
        {
            ResultRow? Find(string prefix, int round) => rows.FirstOrDefault(r => r.Concurrency == concurrency && r.Round == round && r.Mode.StartsWith(prefix, StringComparison.Ordinal));
            var rounds = rows.Where(r => r.Concurrency == concurrency && r.Mode.StartsWith("(h)", StringComparison.Ordinal)).Select(r => r.Round)
                .Select(round => (H: Find("(h)", round), B: Find("(b)", round), A: Find("(a)", round), I: Find("(i)", round)))
                .Where(t => t.B is not null)
                .Select(t => $"(h)/(b) {Ratio(t.H!.Result.RequestsPerSecond, t.B!.Result.RequestsPerSecond)}"
                    + (t.A is not null && t.I is not null ? $", (h)/(i) {Ratio(t.H.Result.RequestsPerSecond, t.I.Result.RequestsPerSecond)} beside (b)/(a) {Ratio(t.B.Result.RequestsPerSecond, t.A.Result.RequestsPerSecond)}" : string.Empty))
                .ToList();
            if (rounds.Count > 0)
            {
                lines.Add(string.Create(culture, $"c={concurrency}: {string.Join("; ", rounds)}"));
            }
        }

        var streamed = streams.Where(r => r.Mode.StartsWith("(h)", StringComparison.Ordinal))
            .Select(h => (H: h, B: streams.FirstOrDefault(b => b.Round == h.Round && b.Mode.StartsWith("(b)", StringComparison.Ordinal))))
            .Where(t => t.B is not null)
            .Select(t => $"(h)/(b) {Ratio(t.H.EventsPerSecond, t.B!.EventsPerSecond)}")
            .ToList();
        if (streamed.Count > 0)
        {
            lines.Add($"events/s in one stream: {string.Join("; ", streamed)}");
        }

        if (lines.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("Translation to Anthropic's dialect, round by round (req/s; (i) is the Anthropic fake called directly): " + string.Join(" | ", lines) + ".");
    }

    /// <summary>(g) against (f) side by side, taking turns: the steadier measure of the quota overhead.</summary>
    public static void PrintSideBySide(string what, SideBySide.Outcome? outcome)
    {
        if (outcome is null)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what} side by side: {outcome.Base} and {outcome.With} running at once, taking turns of {SideBySide.RequestsPerTurn} requests at concurrency {SideBySide.Concurrency} ({outcome.Pairs} pairs, order alternating): {outcome.With} at {outcome.Ratio:0.00}× the req/s of {outcome.Base} over all turns; per pair median {outcome.MedianPairRatio:0.00}×, from {outcome.Lowest:0.00}× to {outcome.Highest:0.00}×; {outcome.Failures} failures. Gateway CPU per request in its turns: {outcome.BaseCpuMicroseconds:0} µs for {outcome.Base}, {outcome.WithCpuMicroseconds:0} µs for {outcome.With} ({outcome.WithCpuMicroseconds / outcome.BaseCpuMicroseconds:0.00}×)."));
    }

    /// <summary>The streaming table: time to the first event at concurrency 1 and events per second in one long stream, against the direct upstream.</summary>
    public static void PrintStreams(IReadOnlyList<StreamRow> rows, int events)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        var medians = rows.GroupBy(r => r.Mode).Select(g => g.OrderBy(r => r.FirstEvent.P50).ElementAt((g.Count() - 1) / 2)).ToList();
        var direct = medians.FirstOrDefault(r => r.Mode.StartsWith("(a)", StringComparison.Ordinal));
        Console.WriteLine();
        Console.WriteLine($"Streaming: time to the first event at concurrency 1 ({medians[0].FirstEvent.Requests} streams of 5 events each), and events relayed per second in one stream of {events} small events (median of 5).");
        Console.WriteLine();
        Console.WriteLine("| set-up | first event p50 ms | p90 ms | p99 ms | first event added over (a) | events/s in one stream | vs (a) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in medians)
        {
            var added = direct is null ? "" : string.Create(culture, $"{row.FirstEvent.P50 - direct.FirstEvent.P50:+0.00;-0.00} ms");
            var ratio = direct is null ? "" : string.Create(culture, $"{row.EventsPerSecond / direct.EventsPerSecond:0.00}×");
            Console.WriteLine(string.Create(culture,
                $"| {row.Mode} | {row.FirstEvent.P50:0.00} | {row.FirstEvent.P90:0.00} | {row.FirstEvent.P99:0.00} | {added} | {row.EventsPerSecond:0} | {ratio} |"));
        }
    }

    /// <summary>
    /// The concurrent-streams table: for each set-up and number of streams at once (the median round
    /// by first-event p50), how many completed, the first event's p50/p99, the p99 across streams of
    /// each one's longest gap between events, and the events received per second.
    /// </summary>
    public static void PrintConcurrentStreams(IReadOnlyList<(string Mode, ConcurrentStreams Result)> rows, int events, int gapMs, int rounds)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        var medians = rows.GroupBy(r => (r.Mode, r.Result.Streams))
            .Select(g => g.OrderBy(r => r.Result.FirstEvent?.P50 ?? double.MaxValue).ElementAt((g.Count() - 1) / 2)).ToList();
        Console.WriteLine();
        Console.WriteLine($"Concurrent streams: N streams at once, each of {events} events {gapMs} ms apart{(rounds > 1 ? $" (the median of {rounds} rounds by first-event p50)" : string.Empty)}.");
        Console.WriteLine();
        Console.WriteLine("| set-up | streams | completed | first event p50 ms | p99 ms | p50 vs (a) | longest gap p99 ms | events/s received |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (mode, result) in medians)
        {
            var direct = medians.FirstOrDefault(r => r.Result.Streams == result.Streams && r.Mode.StartsWith("(a)", StringComparison.Ordinal)).Result;
            var ratio = direct?.FirstEvent is { } d && result.FirstEvent is { } f ? string.Create(culture, $"{f.P50 / d.P50:0.0}×") : string.Empty;
            Console.WriteLine(string.Create(culture,
                $"| {mode} | {result.Streams} | {result.Completed} | {result.FirstEvent?.P50:0.0} | {result.FirstEvent?.P99:0.0} | {ratio} | {result.LongestGap?.P99:0.0} | {result.EventsPerSecond:0} |"));
        }
    }

    /// <summary>The burst table: callers starting together against a slow upstream, with the ratios to calling it directly and each gateway process's peak memory.</summary>
    public static void PrintBursts(IReadOnlyList<BurstRow> rows, BenchOptions options)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"Burst: N callers start together, {options.BurstRequests} requests each, against an upstream that takes {options.BurstLatencyMs} ms per answer; the gateway with default settings.");
        Console.WriteLine();
        Console.WriteLine("| set-up | callers | requests | success | p50 ms | p99 ms | p50 vs (a) | p99 vs (a) | peak RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            var direct = rows.FirstOrDefault(r => r.Callers == row.Callers && r.Mode.StartsWith("(a)", StringComparison.Ordinal))?.Result;
            var (p50, p99) = direct is null ? (string.Empty, string.Empty) : (string.Create(culture, $"{row.Result.P50 / direct.P50:0.00}×"), string.Create(culture, $"{row.Result.P99 / direct.P99:0.00}×"));
            var peaks = row.Peaks.Count == 0 ? "–" : string.Join(", ", row.Peaks.Select(p => string.Create(culture, $"{p.Process} {p.Megabytes:0}")));
            Console.WriteLine(string.Create(culture,
                $"| {row.Mode} | {row.Callers} | {row.Result.Requests} | {100.0 * (row.Result.Requests - row.Result.Failures) / row.Result.Requests:0.##}% | {row.Result.P50:0} | {row.Result.P99:0} | {p50} | {p99} | {peaks} |"));
        }
    }

    /// <summary>
    /// The noisy neighbour: B's latency alone and beside A's flood, A's and B's throughput, first
    /// come first served against fair share; then the split of completed requests with shares 3:1.
    /// </summary>
    public static void PrintNeighbours(NeighbourOutcome? outcome, BenchOptions options)
    {
        if (outcome is null)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(culture,
            $"Noisy neighbour, over RabbitMQ: one endpoint taking {Program.NeighbourCapacity} requests at once, {Program.NeighbourLatencyMs} ms each; B alone at concurrency 2 for {options.FairShareSeconds / 3} s, then A at 64 beside B at 2 for {options.FairShareSeconds} s, equal shares."));
        Console.WriteLine();
        Console.WriteLine("| set-up | B p50 alone ms | B p50 beside A ms | ratio | B p99 beside A ms | A req/s | B req/s | total req/s | A's part of what B leaves | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var fifo = outcome.Rows.Count > 0 ? outcome.Rows[0] : null;
        foreach (var row in outcome.Rows)
        {
            var total = row.AFlooding.RequestsPerSecond + row.BBeside.RequestsPerSecond;
            var fifoTotal = fifo is null ? total : fifo.AFlooding.RequestsPerSecond + fifo.BBeside.RequestsPerSecond;
            Console.WriteLine(string.Create(culture,
                $"| {row.Mode} | {row.BAlone.P50:0} | {row.BBeside.P50:0} | {row.BBeside.P50 / row.BAlone.P50:0.00}× | {row.BBeside.P99:0} | {row.AFlooding.RequestsPerSecond:0.0} | {row.BBeside.RequestsPerSecond:0.0} | {total:0.0} ({total / fifoTotal:0.00}× FIFO) | {row.AFlooding.RequestsPerSecond / (fifoTotal - row.BBeside.RequestsPerSecond):0.00} | {row.AFlooding.Failures + row.BBeside.Failures + row.BAlone.Failures} |"));
        }

        var (three, one, threeSteady, oneSteady) = (outcome.ThreeShares, outcome.OneShare, outcome.ThreeSharesSteady, outcome.OneShareSteady);
        Console.WriteLine();
        Console.WriteLine(string.Create(culture,
            $"Shares 3:1, both flooding at concurrency 64 for {options.FairShareSeconds} s with fair share: from a standing start A completed {three.Requests}, B {one.Requests}: {(double)three.Requests / Math.Max(1, one.Requests):0.00}:1 (p50 A {three.P50:0} ms, B {one.P50:0} ms); then for {options.FairShareSeconds * 4 / 3} s more, counted from {options.FairShareSeconds / 3} s on: A {threeSteady.Requests}, B {oneSteady.Requests}: {(double)threeSteady.Requests / Math.Max(1, oneSteady.Requests):0.00}:1; {three.Failures + one.Failures + threeSteady.Failures + oneSteady.Failures} failures."));
    }

    /// <summary>The batch table: lines per second for one batch, and the interactive p50 at concurrency 1 idle and while it ran.</summary>
    public static void PrintBatches(IReadOnlyList<(string Mode, BatchResult Result)> rows, int lines)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"Batch: one batch of {lines} chat lines against the fake upstream, with interactive requests at concurrency 1 to the same endpoint while it runs.");
        Console.WriteLine();
        Console.WriteLine("| set-up | rounds completed | lines/s | interactive p50 idle ms | during the batch ms | ratio | ratio by round |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var runs in rows.GroupBy(r => r.Mode))
        {
            // The round with the median ratio stands for the set-up; every round's ratio is shown beside it.
            var ordered = runs.Select(r => r.Result).OrderBy(r => r.DuringP50 / r.IdleP50).ToList();
            var median = ordered[(ordered.Count - 1) / 2];
            var completed = ordered.Count(r => r.Status == "completed" && r.Completed == lines);
            var byRound = string.Join(", ", runs.Select(r => (r.Result.DuringP50 / r.Result.IdleP50).ToString("0.00", culture) + "×"));
            Console.WriteLine(string.Create(culture,
                $"| {runs.Key} | {completed} of {ordered.Count} | {median.LinesPerSecond:0} | {median.IdleP50:0.00} | {median.DuringP50:0.00} | {median.DuringP50 / median.IdleP50:0.00}× | {byRound} |"));
        }
    }

    private static ResultRow Median(IEnumerable<ResultRow> runs)
    {
        var sorted = runs.OrderBy(r => r.Result.RequestsPerSecond).ToList();
        return sorted[(sorted.Count - 1) / 2];
    }
}
