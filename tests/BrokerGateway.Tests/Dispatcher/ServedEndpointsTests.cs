using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Dispatcher;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.Hosting.Manifest;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Dispatcher;

public class ServedEndpointsTests
{
    private static ServedEndpoints Served(string[] keys, string[] filter)
    {
        var store = new ManifestStore();
        store.Apply(new StatusManifest(
        [
            new ManifestEntry("a", EndpointStatus.Live, "M", "D", ["m"], "http://h/v1", "a"),
            new ManifestEntry("b", EndpointStatus.Live, "M", "D", ["m"], "http://h/v1", "b"),
            new ManifestEntry("mock", EndpointStatus.Live, "M", "D", ["m"], "mock://echo", "mock"),
        ]));
        var options = new DispatcherOptions { ApiTokens = keys.ToDictionary(k => k, k => "key-" + k), EndpointList = string.Join(",", filter) };
        return new ServedEndpoints(Options.Create(options), store);
    }

    [Fact]
    public void Current_NoFilter_ServesKeyedEndpointsAndTheMock()
    {
        Assert.Equal(["a", "mock"], Served(["a"], []).Current());
    }

    [Fact]
    public void Current_WithFilter_ServesOnlyListedOnes()
    {
        Assert.Equal(["b"], Served(["a", "b"], ["b"]).Current());
    }

    [Fact]
    public void Current_FilterNamesAnEndpointWithoutKey_DoesNotServeIt()
    {
        Assert.Empty(Served(["a"], ["b"]).Current());
    }
}
