using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.ManifestWatcher;

/// <summary>
/// The newest good manifest this watcher knows — read by itself, or published by another watcher
/// (a rolling restart, a replica too many) — and when the read that found it began. It answers
/// <c>GetCurrentManifest</c> with it, and publishes a change only against it: a change another
/// watcher has published already is not published again.
/// </summary>
internal sealed class WatcherState
{
    private readonly Lock _lock = new();
    private Known? _known;

    public StatusManifest? LastGood => Volatile.Read(ref _known)?.Manifest;

    /// <summary>The newest manifest known and when it was read, or null before the first.</summary>
    public Known? Latest => Volatile.Read(ref _known);

    /// <summary>Takes a manifest read at <paramref name="readAt"/> unless one read later is known; returns whether it was taken.</summary>
    public bool TryTake(StatusManifest manifest, DateTimeOffset readAt, bool ownRead)
    {
        lock (_lock)
        {
            if (_known is { } known && known.ReadAt > readAt)
            {
                return false;
            }

            Volatile.Write(ref _known, new Known(manifest, readAt, ownRead));
            return true;
        }
    }

    /// <summary>A manifest, when the read that found it began, and whether this watcher made that read.</summary>
    internal sealed record Known(StatusManifest Manifest, DateTimeOffset ReadAt, bool OwnRead);
}
