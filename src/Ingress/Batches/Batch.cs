namespace BrokerGateway.Ingress.Batches;

/// <summary>One batch as stored: OpenAI's batch object, plus who owns it.</summary>
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
    string? ErrorFileId);
