using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.ManifestWatcher;

/// <summary>
/// The newest good manifest this watcher knows — read by itself, or published by another watcher
/// (a rolling restart, a replica too many) — and its version (see <c>ManifestPoller</c>). It answers
/// <c>GetCurrentManifest</c> with it, and publishes a change only against it: a change another
/// watcher has published already is not published again.
/// </summary>
internal sealed class WatcherState
{
    private readonly Lock _lock = new();
    private Known? _known;

    public StatusManifest? LastGood => Volatile.Read(ref _known)?.Manifest;

    /// <summary>The newest manifest known and its version, or null before the first.</summary>
    public Known? Latest => Volatile.Read(ref _known);

    /// <summary>Takes a manifest of <paramref name="version"/> unless a newer one is known; returns whether it was taken.</summary>
    public bool TryTake(StatusManifest manifest, DateTimeOffset version, bool ownRead)
    {
        lock (_lock)
        {
            if (_known is { } known && known.Version > version)
            {
                return false;
            }

            Volatile.Write(ref _known, new Known(manifest, version, ownRead));
            return true;
        }
    }

    /// <summary>A manifest, its version, and whether this watcher read it itself.</summary>
    internal sealed record Known(StatusManifest Manifest, DateTimeOffset Version, bool OwnRead);
}
