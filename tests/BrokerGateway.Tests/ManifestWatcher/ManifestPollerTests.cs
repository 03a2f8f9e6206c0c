using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.ManifestWatcher;
using BrokerGateway.Tests.Infrastructure;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.ManifestWatcher;

public sealed class ManifestPollerTests : IAsyncLifetime, IDisposable
{
    private readonly TestManifest _manifest = new(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"]));
    private IHost _host = null!;
    private ITestHarness _harness = null!;
    private ManifestPoller _poller = null!;

    public async Task InitializeAsync() => await StartAsync(_manifest.Path);

    private async Task StartAsync(string source)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["METIS_STATUS_URL"] = source, ["METIS_POLL_SECONDS"] = "3600" });
        builder.AddManifestWatcher();
        builder.Services.AddMassTransitTestHarness(x => x.AddConsumer<GetCurrentManifestConsumer>());
        _host = builder.Build();
        _harness = _host.Services.GetTestHarness();
        await _harness.Start();
        _poller = _host.Services.GetServices<IHostedService>().OfType<ManifestPoller>().Single();
    }

    private int PublishedCount => _harness.Published.Select<ManifestChanged>().Count();

    [Fact]
    public async Task PollOnce_FirstRead_PublishesTheValidEntries()
    {
        Assert.True(await _poller.PollOnceAsync(CancellationToken.None));

        var published = _harness.Published.Select<ManifestChanged>().Single().Context.Message;
        Assert.Equal(["a"], published.Manifest.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task PollOnce_NothingChanged_PublishesNothingMore()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"]));

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(1, PublishedCount);
    }

    [Fact]
    public async Task PollOnce_EntryChanged_PublishesTheNewManifest()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"], status: "Maintenance"));

        Assert.True(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(2, PublishedCount);
    }

    [Fact]
    public async Task PollOnce_AChangeAnotherWatcherHasPublished_IsNotPublishedAgain()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        var changed = TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"], status: "Maintenance");
        _manifest.Write(changed);

        // Another watcher read the change first and published it; this one heard it.
        var state = _host.Services.GetRequiredService<WatcherState>();
        Assert.True(state.TryTake(ManifestParser.Parse(File.ReadAllBytes(_manifest.Path)).Manifest!, DateTimeOffset.UtcNow, ownRead: false));

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(1, PublishedCount);
        Assert.Equal(EndpointStatus.Maintenance, state.LastGood!.Entries.Single().Status);
    }

    [Fact]
    public async Task PollOnce_AManifestOlderThanTheNewestKnown_PublishesNothingAndIsReadAgain()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        var state = _host.Services.GetRequiredService<WatcherState>();
        var peers = new StatusManifest([new ManifestEntry("b", EndpointStatus.Live, "M", "D", ["m2"], "http://127.0.0.1:9/v1", "b")]);
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        state.TryTake(peers, later, ownRead: false);
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"], status: "Maintenance"));

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(1, PublishedCount);
        Assert.Same(peers, state.LastGood);
        Assert.False(state.TryTake(ManifestParser.Parse(File.ReadAllBytes(_manifest.Path)).Manifest!, later.AddTicks(-1), ownRead: true));
    }

    [Fact]
    public async Task PollOnce_AFile_PublishesItsModificationTimeAsTheVersion()
    {
        var modified = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero);
        File.SetLastWriteTimeUtc(_manifest.Path, modified.UtcDateTime);

        await _poller.PollOnceAsync(CancellationToken.None);

        var changedAt = _harness.Published.Select<ManifestChanged>().Single().Context.Message.ChangedAt;
        Assert.Equal(modified, changedAt);
        Assert.Equal(modified, _host.Services.GetRequiredService<WatcherState>().Latest!.Version);
    }

    [Fact]
    public async Task PollOnce_ACopyThatLags_IsNotPublishedOverTheNewerManifest_AndIsWhenItCatchesUp()
    {
        // Another watcher published a change made at noon; this watcher's copy is still the 11 o'clock one.
        var noon = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var state = _host.Services.GetRequiredService<WatcherState>();
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"], status: "Maintenance"));
        var changed = ManifestParser.Parse(File.ReadAllBytes(_manifest.Path)).Manifest!;
        state.TryTake(changed, noon, ownRead: false);
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"]));
        File.SetLastWriteTimeUtc(_manifest.Path, noon.AddHours(-1).UtcDateTime);

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Same(changed, state.LastGood);

        // The copy catches up: the same change, nothing to publish.
        _manifest.Write(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"], status: "Maintenance"));
        File.SetLastWriteTimeUtc(_manifest.Path, noon.AddSeconds(3).UtcDateTime);
        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(0, PublishedCount);
    }

    [Fact]
    public async Task PollOnce_BrokenJsonAfterAGoodRead_KeepsTheLastGoodManifest()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        _manifest.WriteRaw("{ this is not json");

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(1, PublishedCount);
        Assert.Equal(["a"], _host.Services.GetRequiredService<WatcherState>().LastGood!.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task PollOnce_FileGoneAfterAGoodRead_KeepsTheLastGoodManifest()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        File.Delete(_manifest.Path);

        Assert.False(await _poller.PollOnceAsync(CancellationToken.None));
        Assert.NotNull(_host.Services.GetRequiredService<WatcherState>().LastGood);
    }

    [Fact]
    public async Task PollOnce_OneInvalidEntry_PublishesTheOthers()
    {
        _manifest.WriteRaw("""
            {"good":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"good"},
             "bad":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1"}}
            """);

        await _poller.PollOnceAsync(CancellationToken.None);

        var published = _harness.Published.Select<ManifestChanged>().Single().Context.Message;
        Assert.Equal(["good"], published.Manifest.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task GetCurrentManifest_AfterARead_AnswersWithIt()
    {
        await _poller.PollOnceAsync(CancellationToken.None);
        var client = _harness.GetRequestClient<GetCurrentManifest>();

        var response = await client.GetResponse<CurrentManifest>(new GetCurrentManifest("test"));

        Assert.Equal(["a"], response.Message.Manifest!.Entries.Select(e => e.Name));
        Assert.Equal(_host.Services.GetRequiredService<WatcherState>().Latest!.Version, response.Message.Version);
    }

    [Fact]
    public async Task GetCurrentManifest_BeforeAnyRead_AnswersNone()
    {
        var response = await _harness.GetRequestClient<GetCurrentManifest>().GetResponse<CurrentManifest>(new GetCurrentManifest("test"));

        Assert.Null(response.Message.Manifest);
    }

    [Fact]
    public async Task PollOnce_HttpSource_ReadsTheManifestOverHttp_VersionedByLastModified()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var server = builder.Build();
        var modified = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        server.MapGet("/status.json", (HttpContext context) =>
        {
            context.Response.GetTypedHeaders().LastModified = modified;
            return Results.Text(File.ReadAllText(_manifest.Path), "application/json");
        });
        await server.StartAsync();
        await DisposeAsync();
        await StartAsync(server.Urls.First() + "/status.json");

        Assert.True(await _poller.PollOnceAsync(CancellationToken.None));
        var published = _harness.Published.Select<ManifestChanged>().Single().Context.Message;
        Assert.Equal(["a"], published.Manifest.Entries.Select(e => e.Name));
        Assert.Equal(modified, published.ChangedAt);
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
    }

    public void Dispose() => _manifest.Dispose();
}
