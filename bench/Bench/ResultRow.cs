namespace BrokerGateway.Bench;

/// <summary>One measured run: a set-up at one concurrency in one round.</summary>
public sealed record ResultRow(string Mode, int Concurrency, int Round, LoadResult Result, double Memory);
