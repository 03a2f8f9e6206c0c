namespace BrokerGateway.Ingress.Usage;

internal enum UsageGrouping
{
    Model,
    Day,
}

/// <summary>Totals between two instants (to exclusive), optionally for one user or one group.</summary>
internal sealed record UsageQuery(DateTimeOffset From, DateTimeOffset To, UsageGrouping GroupBy, string? User, string? Group);

/// <summary>The totals of one model or one day.</summary>
internal sealed record UsageTotal(string Key, long Requests, long PromptTokens, long CompletionTokens, long TotalTokens);
