using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>
/// This process's copy of the status manifest, replaced whole on each change. Reads are lock-free:
/// every request reads <see cref="Current"/> once and works on that snapshot. A manifest comes with
/// its version (when its source last modified it, else when the watcher read it); one older than
/// the manifest held (from a second watcher whose copy of the source lags, or a late answer) is
/// ignored, so that two watchers never make the manifest flap.
/// </summary>
public sealed class ManifestStore
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private StatusManifest? _current;
    private DateTimeOffset? _version;

    /// <summary>Raised after the manifest was replaced, with the new one.</summary>
    public event Action<StatusManifest>? Changed;

    /// <summary>The manifest in force, or null while none has arrived yet.</summary>
    public StatusManifest? Current => Volatile.Read(ref _current);

    /// <summary>Completes when a first manifest has arrived.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>
    /// Takes a manifest only if none has arrived yet: an answer to a start-up request must not
    /// overwrite a newer <c>ManifestChanged</c> that overtook it.
    /// </summary>
    public bool ApplyIfEmpty(StatusManifest manifest, DateTimeOffset? version = null)
    {
        lock (_lock)
        {
            if (_current is not null)
            {
                return false;
            }

            Volatile.Write(ref _current, manifest);
            _version = version;
        }

        _loaded.TrySetResult();
        Changed?.Invoke(manifest);
        return true;
    }

    /// <summary>
    /// Replaces the manifest; returns false (and raises nothing) when it is the same as the one held,
    /// or when it is older than the one held (<paramref name="version"/>, if known, is earlier).
    /// </summary>
    public bool Apply(StatusManifest manifest, DateTimeOffset? version = null) => Offer(manifest, version) == ManifestOffer.Changed;

    /// <summary>What became of a manifest offered with its version: see <see cref="ManifestOffer"/>.</summary>
    public ManifestOffer Offer(StatusManifest manifest, DateTimeOffset? version)
    {
        StatusManifest? previous;
        lock (_lock)
        {
            if (version is { } offered && _version is { } held && offered < held)
            {
                return ManifestOffer.Older;
            }

            previous = _current;
            Volatile.Write(ref _current, manifest);
            _version = version ?? _version;
        }

        _loaded.TrySetResult();
        if (previous is not null && ManifestDiff.Between(previous, manifest).IsEmpty)
        {
            return ManifestOffer.Same;
        }

        Changed?.Invoke(manifest);
        return ManifestOffer.Changed;
    }
}
