using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Dispatcher;

/// <summary>
/// The consumer on MassTransit's test harness with a clock that does not move by itself: a call
/// still running is acknowledged after a moment, or at once when the dispatcher is stopping.
/// </summary>
public sealed class SubmitCompletionConsumerStoppingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private FakeUpstreamServer _upstream = null!;
    private IHost _host = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        (_host, _harness) = await DispatcherHarness.StartAsync("""{"keyed": "sk-stopping-key-0123456789"}""",
            [new ManifestEntry("keyed", EndpointStatus.Live, "M", "D", ["m"], _upstream.BaseUrl.ToString().TrimEnd('/'), "keyed")], _time);
    }

    [Fact]
    public async Task ACallRunning_IsAcknowledgedAtOnce_WhenTheDispatcherStartsToStop()
    {
        var calls = _host.Services.GetRequiredService<InFlightCalls>();
        var requestId = Guid.NewGuid();
        var now = _time.GetUtcNow();
        await _harness.Bus.Publish(new SubmitCompletion(requestId, 1, "keyed", UpstreamRoute.ChatCompletions, """{"model":"m","fake":{"delay_ms":30000}}""", now.AddSeconds(20), now.AddSeconds(60)));
        await _upstream.WaitForAsync(r => r.Body.Contains("delay_ms", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        // The clock stands still: the moment after which a running call is acknowledged never passes.
        Assert.Equal((1, 1), (calls.Count, calls.Unacknowledged));

        calls.AcknowledgeAll();

        Assert.True(await _harness.Published.Any<CompletionAccepted>(x => x.Context.Message.RequestId == requestId));
        await Eventually.Until(() => calls.Unacknowledged == 0, TimeSpan.FromSeconds(10), "the call marked acknowledged");
        Assert.Equal(1, calls.Count);
        calls.Cancel(requestId, 1);
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
        await _upstream.DisposeAsync();
    }
}
