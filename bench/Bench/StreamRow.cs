namespace BrokerGateway.Bench;

/// <summary>The streaming measurements of one set-up in one round: time to the first event, and events per second in one long stream.</summary>
public sealed record StreamRow(string Mode, int Round, LoadResult FirstEvent, double EventsPerSecond, int Events, bool Ok);
