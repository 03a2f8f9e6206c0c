using System.Globalization;
using System.Text;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// Request durations counted into buckets by the database (bounds in ms, 1-2-5 steps from 10 ms to
/// 10 minutes), so that a percentile of an hour of requests costs a few hundred rows instead of one
/// per request; the percentile is then read from the counts, linearly within its bucket.
/// </summary>
internal static class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets but the last (which holds everything from 600 s on).</summary>
    public static readonly double[] Bounds = [10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 600_000];

    public static int Buckets => Bounds.Length + 1;

    /// <summary>The SQL expression of a row's bucket index from its duration column.</summary>
    public static string BucketSql(string column)
    {
        var sql = new StringBuilder("CASE");
        for (var i = 0; i < Bounds.Length; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN {column} < {Bounds[i]} THEN {i}");
        }

        return sql.Append(CultureInfo.InvariantCulture, $" ELSE {Bounds.Length} END").ToString();
    }

    /// <summary>The <paramref name="quantile"/> (0–1) of the durations counted in <paramref name="counts"/>; null when there are none.</summary>
    public static double? Percentile(IReadOnlyList<long> counts, double quantile)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        long below = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0 || below + counts[i] < rank)
            {
                below += counts[i];
                continue;
            }

            var lower = i == 0 ? 0 : Bounds[i - 1];
            if (i >= Bounds.Length)
            {
                return lower;
            }

            return lower + ((rank - below) / counts[i] * (Bounds[i] - lower));
        }

        return Bounds[^1];
    }
}
