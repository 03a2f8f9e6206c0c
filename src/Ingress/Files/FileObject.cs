using System.Text.Json.Serialization;

namespace BrokerGateway.Ingress.Files;

/// <summary>OpenAI's file object.</summary>
internal sealed record FileObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt,
    [property: JsonPropertyName("filename")] string Filename,
    [property: JsonPropertyName("purpose")] string Purpose,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("status_details")] string? StatusDetails)
{
    public static FileObject From(StoredFile file) =>
        new(file.Id, "file", file.Bytes, file.CreatedAt.ToUnixTimeSeconds(), null, file.Filename, file.Purpose, "processed", null);
}

/// <summary>A page of the caller's files.</summary>
internal sealed record FileList(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("data")] IReadOnlyList<FileObject> Data,
    [property: JsonPropertyName("first_id")] string? FirstId,
    [property: JsonPropertyName("last_id")] string? LastId,
    [property: JsonPropertyName("has_more")] bool HasMore);

internal sealed record FileDeleted(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("deleted")] bool Deleted);
