namespace BrokerGateway.Ingress.Files;

/// <summary>An uploaded file as the Files API describes it; its lines are stored apart.</summary>
internal sealed record StoredFile(string Id, string Owner, string Purpose, string Filename, long Bytes, int Lines, DateTimeOffset CreatedAt);
