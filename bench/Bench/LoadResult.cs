namespace BrokerGateway.Bench;

/// <summary>What one load run measured.</summary>
public sealed record LoadResult(int Requests, int Failures, TimeSpan Elapsed, double P50, double P90, double P99)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public static LoadResult From(double[] latenciesMs, int failures, TimeSpan elapsed)
    {
        var sorted = latenciesMs.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new LoadResult(sorted.Length, failures, elapsed, At(0.50), At(0.90), At(0.99));
    }
}
