using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.ManifestWatcher;

/// <summary>The last good manifest the watcher read, which it answers <c>GetCurrentManifest</c> with.</summary>
internal sealed class WatcherState
{
    private StatusManifest? _lastGood;

    public StatusManifest? LastGood
    {
        get => Volatile.Read(ref _lastGood);
        set => Volatile.Write(ref _lastGood, value);
    }
}
