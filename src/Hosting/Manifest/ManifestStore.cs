using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>
/// This process's copy of the status manifest, replaced whole on each change. Reads are lock-free:
/// every request reads <see cref="Current"/> once and works on that snapshot. A manifest comes with
/// when the watcher's read that found it began; one read earlier than the manifest held (from a
/// second watcher that has not seen the change yet, or a late answer) is ignored, so that two
/// watchers never make the manifest flap.
/// </summary>
public sealed class ManifestStore
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private StatusManifest? _current;
    private DateTimeOffset? _readAt;

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
    public bool ApplyIfEmpty(StatusManifest manifest, DateTimeOffset? readAt = null)
    {
        lock (_lock)
        {
            if (_current is not null)
            {
                return false;
            }

            Volatile.Write(ref _current, manifest);
            _readAt = readAt;
        }

        _loaded.TrySetResult();
        Changed?.Invoke(manifest);
        return true;
    }

    /// <summary>
    /// Replaces the manifest; returns false (and raises nothing) when it is the same as the one held,
    /// or when it was read before the one held (<paramref name="readAt"/>, if known, is earlier).
    /// </summary>
    public bool Apply(StatusManifest manifest, DateTimeOffset? readAt = null) => Offer(manifest, readAt) == ManifestOffer.Changed;

    /// <summary>What became of a manifest offered with when it was read: see <see cref="ManifestOffer"/>.</summary>
    public ManifestOffer Offer(StatusManifest manifest, DateTimeOffset? readAt)
    {
        StatusManifest? previous;
        lock (_lock)
        {
            if (readAt is { } offered && _readAt is { } held && offered < held)
            {
                return ManifestOffer.Older;
            }

            previous = _current;
            Volatile.Write(ref _current, manifest);
            _readAt = readAt ?? _readAt;
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
