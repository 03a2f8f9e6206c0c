namespace BrokerGateway.Contracts.Manifest;

/// <summary>
/// The outcome of reading a manifest document. When <see cref="Error"/> is set the document as a
/// whole is unusable (not JSON, not an object) and <see cref="Manifest"/> is null; otherwise the
/// manifest holds the valid entries and <see cref="Problems"/> says why each other entry was skipped.
/// </summary>
public sealed record ManifestParseResult(StatusManifest? Manifest, IReadOnlyList<ManifestProblem> Problems, string? Error)
{
    public static ManifestParseResult Broken(string error) => new(null, [], error);
}
