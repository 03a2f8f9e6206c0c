using BrokerGateway.Ingress.Dashboard;

namespace BrokerGateway.Tests.Ingress.Dashboard;

public class LatencyHistogramTests
{
    private static long[] Counts(params (int Bucket, long Count)[] filled)
    {
        var counts = new long[LatencyHistogram.Buckets];
        foreach (var (bucket, count) in filled)
        {
            counts[bucket] = count;
        }

        return counts;
    }

    [Fact]
    public void Percentile_NoRequests_IsNull() =>
        Assert.Null(LatencyHistogram.Percentile(Counts(), 0.5));

    [Fact]
    public void Percentile_IsReadLinearlyWithinItsBucket()
    {
        // Bucket 6 is [500, 1000) ms: ten requests there, the median half-way through.
        var counts = Counts((6, 10));

        Assert.Equal(750, LatencyHistogram.Percentile(counts, 0.5));
        Assert.Equal(975, LatencyHistogram.Percentile(counts, 0.95));
    }

    [Fact]
    public void Percentile_FallsInTheBucketThatHoldsItsRank()
    {
        // 90 fast requests under 10 ms and 10 slow ones in [2, 5) s: p50 is fast, p95 slow.
        var counts = Counts((0, 90), (8, 10));

        Assert.InRange(LatencyHistogram.Percentile(counts, 0.5)!.Value, 0, 10);
        Assert.Equal(3_500, LatencyHistogram.Percentile(counts, 0.95));
    }

    [Fact]
    public void Percentile_InTheLastBucket_IsItsLowerBound()
    {
        Assert.Equal(600_000, LatencyHistogram.Percentile(Counts((LatencyHistogram.Buckets - 1, 3)), 0.5));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(9.99, 0)]
    [InlineData(10.0, 1)]
    [InlineData(1_999.0, 7)]
    [InlineData(2_000.0, 8)]
    [InlineData(700_000.0, 15)]
    public void BucketSql_PutsADurationInTheBucketOfItsBounds(double milliseconds, int bucket)
    {
        // The SQL expression, evaluated by SQLite for one value.
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {LatencyHistogram.BucketSql("@ms")}";
        command.Parameters.AddWithValue("@ms", milliseconds);

        Assert.Equal(bucket, Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
