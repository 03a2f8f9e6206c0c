namespace BrokerGateway.Bench;

/// <summary>One measured burst: the set-up, how many callers, what they saw, and the peak memory of each gateway process.</summary>
public sealed record BurstRow(string Mode, int Callers, LoadResult Result, IReadOnlyList<(string Process, double Megabytes)> Peaks);
