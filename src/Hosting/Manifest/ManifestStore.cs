using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Hosting.Manifest;

/// <summary>
/// This process's copy of the status manifest, replaced whole on each change. Reads are lock-free:
/// every request reads <see cref="Current"/> once and works on that snapshot.
/// </summary>
public sealed class ManifestStore
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StatusManifest? _current;

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
    public bool ApplyIfEmpty(StatusManifest manifest)
    {
        if (Interlocked.CompareExchange(ref _current, manifest, null) is not null)
        {
            return false;
        }

        _loaded.TrySetResult();
        Changed?.Invoke(manifest);
        return true;
    }

    /// <summary>Replaces the manifest; returns false (and raises nothing) when it is the same as the one held.</summary>
    public bool Apply(StatusManifest manifest)
    {
        var previous = Interlocked.Exchange(ref _current, manifest);
        _loaded.TrySetResult();
        if (previous is not null && ManifestDiff.Between(previous, manifest).IsEmpty)
        {
            return false;
        }

        Changed?.Invoke(manifest);
        return true;
    }
}
