namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// One row per request: who, what, where, how it ended, how many tokens, how long — never the
/// prompt or the completion. <see cref="Account"/> is the group (or the caller's own account) the
/// request was charged to for fair share.
/// </summary>
internal sealed record UsageRecord(
    DateTimeOffset Time,
    Guid RequestId,
    string User,
    IReadOnlyList<string> Groups,
    string Model,
    string? EndpointId,
    string Route,
    int Status,
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    double TotalMilliseconds,
    double? UpstreamMilliseconds,
    int Attempts,
    bool Streamed,
    string? BatchId = null,
    string? Account = null);
