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

    private static ResultRow Median(IEnumerable<ResultRow> runs)
    {
        var sorted = runs.OrderBy(r => r.Result.RequestsPerSecond).ToList();
        return sorted[(sorted.Count - 1) / 2];
    }
}
