namespace BrokerGateway.Ingress.Batches;

/// <summary>One batch as stored: OpenAI's batch object, plus who owns it and the account its lines are charged to if its creator named one (<c>x-gateway-account</c>).</summary>
internal sealed record Batch(
    string Id,
    string Owner,
    IReadOnlyList<string> Groups,
    string Endpoint,
    string InputFileId,
    string CompletionWindow,
    string Status,
    string? Metadata,
    string? Errors,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyDictionary<string, DateTimeOffset> Times,
    int Total,
    int Completed,
    int Failed,
    string? OutputFileId,
    string? ErrorFileId,
    string? Account = null);
