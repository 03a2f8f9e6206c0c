namespace BrokerGateway.Contracts.Manifest;

/// <summary>What changed between two manifests, by entry name.</summary>
public sealed record ManifestDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    public static ManifestDiff Between(StatusManifest? before, StatusManifest after)
    {
        var old = (before ?? StatusManifest.Empty).Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var now = after.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var added = now.Keys.Where(k => !old.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        var removed = old.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        var changed = now.Where(kv => old.TryGetValue(kv.Key, out var was) && !was.Equals(kv.Value))
            .Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
        return new ManifestDiff(added, removed, changed);
    }

    public override string ToString() =>
        $"added [{string.Join(", ", Added)}], removed [{string.Join(", ", Removed)}], changed [{string.Join(", ", Changed)}]";
}
