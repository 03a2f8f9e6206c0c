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
    public void Offer_AManifestReadBeforeTheOneHeld_IsIgnored()
    {
        var store = new ManifestStore();
        var raised = 0;
        store.Changed += _ => raised++;
        var read = DateTimeOffset.UnixEpoch.AddDays(1);

        Assert.Equal(ManifestOffer.Changed, store.Offer(Manifest(EndpointStatus.Offline), read));
        Assert.Equal(ManifestOffer.Older, store.Offer(Manifest(EndpointStatus.Live), read.AddSeconds(-1)));
        Assert.Equal(EndpointStatus.Offline, store.Current!.Entries[0].Status);
        Assert.Equal(ManifestOffer.Same, store.Offer(Manifest(EndpointStatus.Offline), read));
        Assert.Equal(ManifestOffer.Changed, store.Offer(Manifest(EndpointStatus.Live), read.AddSeconds(1)));

        Assert.Equal(2, raised);
    }

    [Fact]
    public void Offer_AfterAStartUpAnswer_IgnoresAChangeReadBeforeIt()
    {
        var store = new ManifestStore();
        var read = DateTimeOffset.UnixEpoch.AddDays(1);
        Assert.True(store.ApplyIfEmpty(Manifest(EndpointStatus.Offline), read));

        Assert.Equal(ManifestOffer.Older, store.Offer(Manifest(EndpointStatus.Live), read.AddMilliseconds(-1)));
        Assert.Equal(EndpointStatus.Offline, store.Current!.Entries[0].Status);
    }

    [Fact]
    public void Offer_WithoutAReadTime_IsTaken()
    {
        var store = new ManifestStore();
        store.Offer(Manifest(EndpointStatus.Offline), DateTimeOffset.UnixEpoch.AddDays(1));

        Assert.Equal(ManifestOffer.Changed, store.Offer(Manifest(EndpointStatus.Live), null));
    }

    [Fact]
    public void Current_BeforeAnyManifest_IsNull()
    {
        var store = new ManifestStore();

        Assert.Null(store.Current);
        Assert.False(store.Loaded.IsCompleted);
    }
}
