using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;

namespace BrokerGateway.Tests.Hosting;

public class ManifestStoreTests
{
    private static StatusManifest Manifest(EndpointStatus status) =>
        new([new ManifestEntry("a", status, "M", "D", ["m"], "http://h/v1", "a")]);

    [Fact]
    public void Apply_SameContentTwice_RaisesChangedOnce()
    {
        var store = new ManifestStore();
        var raised = 0;
        store.Changed += _ => raised++;

        Assert.True(store.Apply(Manifest(EndpointStatus.Live)));
        Assert.False(store.Apply(Manifest(EndpointStatus.Live)));
        Assert.True(store.Apply(Manifest(EndpointStatus.Offline)));

        Assert.Equal(2, raised);
        Assert.True(store.Loaded.IsCompletedSuccessfully);
        Assert.Equal(EndpointStatus.Offline, store.Current!.Entries[0].Status);
    }

    [Fact]
    public void Current_BeforeAnyManifest_IsNull()
    {
        var store = new ManifestStore();

        Assert.Null(store.Current);
        Assert.False(store.Loaded.IsCompleted);
    }
}
