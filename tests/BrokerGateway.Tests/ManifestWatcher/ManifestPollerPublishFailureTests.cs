using System.Reflection;
using BrokerGateway.ManifestWatcher;
using BrokerGateway.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.ManifestWatcher;

public sealed class ManifestPollerPublishFailureTests : IDisposable
{
    private readonly TestManifest _manifest = new(TestManifest.Entry("a", "http://127.0.0.1:9/v1", "a", ["m1"]));

    /// <summary>A bus whose publishes fail while <see cref="Fail"/> is set, as when the broker is away.</summary>
    public class FlakyBus : DispatchProxy
    {
        public bool Fail { get; set; }

        public int Published { get; private set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IPublishEndpoint.Publish))
            {
                throw new NotSupportedException(targetMethod?.Name);
            }

            if (Fail)
            {
                return Task.FromException(new InvalidOperationException("the broker is away"));
            }

            Published++;
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task PollOnce_PublishFails_NothingIsCommittedAndTheNextPollPublishes()
    {
        var options = Options.Create(new ManifestSourceOptions { StatusUrl = _manifest.Path });
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var bus = DispatchProxy.Create<IBus, FlakyBus>();
        var flaky = (FlakyBus)(object)bus;
        var state = new WatcherState();
        var poller = new ManifestPoller(new ManifestSource(clients, options), state, bus, options, TimeProvider.System, new BrokerGateway.Hosting.Messaging.BusStarted(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), TimeProvider.System), NullLogger<ManifestPoller>.Instance);

        flaky.Fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => poller.PollOnceAsync(CancellationToken.None));
        Assert.Null(state.LastGood);

        flaky.Fail = false;
        Assert.True(await poller.PollOnceAsync(CancellationToken.None));
        Assert.Equal(1, flaky.Published);
        Assert.NotNull(state.LastGood);
    }

    public void Dispose() => _manifest.Dispose();
}
