using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress;

public class EndpointSelectorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ManifestStore _manifest = new();
    private readonly DispatcherRegistry _dispatchers;
    private readonly EndpointSelector _selector;

    public EndpointSelectorTests()
    {
        _dispatchers = new DispatcherRegistry(_time);
        _selector = new EndpointSelector(_manifest, _dispatchers);
    }

    private static ManifestEntry Entry(string id, EndpointStatus status, params string[] experts) =>
        new(id, status, "M", "D", experts, "http://h/v1", id);

    private void Serve(params string[] ids) =>
        _dispatchers.Record(new DispatcherHeartbeat("d1", ids, _time.GetUtcNow(), TimeSpan.FromSeconds(30)));

    [Fact]
    public void Select_NoManifestYet_Is503ManifestUnavailable()
    {
        var error = _selector.Select("m").Error!;

        Assert.Equal(503, error.Status);
        Assert.Equal("manifest_unavailable", error.Code);
    }

    [Fact]
    public void Select_UnknownModel_Is404NamingTheAvailableModels()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, "m1", "m2"), Entry("b", EndpointStatus.Offline, "hidden")]));

        var error = _selector.Select("nope").Error!;

        Assert.Equal(404, error.Status);
        Assert.Equal("model_not_found", error.Code);
        Assert.Contains("m1, m2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_EntriesButNoneLive_Is503NamingTheirStatus()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Offline, "m"), Entry("b", EndpointStatus.Maintenance, "m")]));

        var error = _selector.Select("m").Error!;

        Assert.Equal(503, error.Status);
        Assert.Contains("a is Offline", error.Message, StringComparison.Ordinal);
        Assert.Contains("b is Maintenance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_LiveButNoDispatcher_Is503NoDispatcher()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, "m")]));

        var error = _selector.Select("m").Error!;

        Assert.Equal("no_dispatcher", error.Code);
        Assert.Contains("(a)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_TwoServedLiveEntries_TakesThemInTurn()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, "m"), Entry("b", EndpointStatus.Live, "m"), Entry("c", EndpointStatus.Offline, "m")]));
        Serve("a", "b", "c");

        var picks = Enumerable.Range(0, 4).Select(_ => _selector.Select("m").Entry!.EndpointId).ToArray();

        Assert.Equal(2, picks.Count(p => p == "a"));
        Assert.Equal(2, picks.Count(p => p == "b"));
        Assert.NotEqual(picks[0], picks[1]);
    }

    [Fact]
    public void Select_DispatcherHeartbeatExpired_IsNoLongerServed()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, "m")]));
        Serve("a");
        Assert.NotNull(_selector.Select("m").Entry);

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("no_dispatcher", _selector.Select("m").Error!.Code);
    }

    [Fact]
    public void Select_DispatcherStopped_IsNoLongerServed()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, "m")]));
        Serve("a");

        _dispatchers.Remove("d1");

        Assert.Equal("no_dispatcher", _selector.Select("m").Error!.Code);
    }
}
