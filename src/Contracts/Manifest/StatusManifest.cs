namespace BrokerGateway.Contracts.Manifest;

/// <summary>The valid entries of one status manifest, in the order the document lists them.</summary>
public sealed record StatusManifest(IReadOnlyList<ManifestEntry> Entries)
{
    public static readonly StatusManifest Empty = new([]);

    private Dictionary<string, ManifestEntry[]>? _byModel;

    /// <summary>Every entry whose <c>experts</c> contain <paramref name="model"/>, whatever its status, in manifest order.</summary>
    public IReadOnlyList<ManifestEntry> EntriesFor(string model)
    {
        // Built once per manifest on first use: every request asks, the manifest rarely changes.
        var index = _byModel ??= Entries
            .SelectMany(e => e.Experts.Select(expert => (Model: expert, Entry: e)))
            .GroupBy(x => x.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Entry).ToArray(), StringComparer.Ordinal);
        return index.TryGetValue(model, out var entries) ? entries : [];
    }

    public ManifestEntry? FindByEndpointId(string endpointId) =>
        Entries.FirstOrDefault(e => e.EndpointId == endpointId && e.Status == EndpointStatus.Live)
        ?? Entries.FirstOrDefault(e => e.EndpointId == endpointId);

    /// <summary>The distinct model ids offered by Live entries (that <paramref name="visible"/> admits), sorted.</summary>
    public IReadOnlyList<string> LiveModels(Func<ManifestEntry, bool>? visible = null) =>
        Entries.Where(e => e.Status == EndpointStatus.Live && (visible is null || visible(e)))
            .SelectMany(e => e.Experts)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();

    public bool Equals(StatusManifest? other) =>
        other is not null && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => Entries.Count;
}
