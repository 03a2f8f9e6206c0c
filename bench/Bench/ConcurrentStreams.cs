namespace BrokerGateway.Bench;

/// <summary>What many streams at once came to: how many completed, their first events and their longest gaps (ms), and the events received per second in all.</summary>
public sealed record ConcurrentStreams(int Streams, int Completed, LoadResult? FirstEvent, LoadResult? LongestGap, double EventsPerSecond);
