using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Dispatcher;

/// <summary>
/// A dispatcher whose connection to the broker was lost missed the withdrawals broadcast meanwhile:
/// a request sent before it came back is run only if its ingress still waits for it. The
/// dispatcher's bus started an hour ago (by its clock), so only the reconnection can make it ask.
/// </summary>
public sealed class ReconnectedDispatcherTests : IAsyncLifetime
{
    private static readonly Uri DispatcherInstance = DispatcherHarness.Instance;
    private readonly ShiftedClock _clock = new() { Shift = TimeSpan.FromHours(-1) };
    private FakeUpstreamServer _upstream = null!;
    private IHost _host = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        (_host, _harness) = await DispatcherHarness.StartAsync("""{"keyed": "sk-test-key-for-keyed"}""",
            [new ManifestEntry("keyed", EndpointStatus.Live, "M", "D", ["m"], _upstream.BaseUrl.ToString().TrimEnd('/'), "keyed")],
            _clock,
            x => x.AddConsumer<NobodyWaits>().Endpoint(e => e.Name = "test-ingress"));

        // The host's services are not started by the harness: the bus is said to have started now, an hour ago by the dispatcher's clock.
        await _host.Services.GetRequiredService<BusStarted>().StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ARequestSentBeforeTheConnectionCameBack_IsAskedAbout_AndDroppedWhenNobodyWaits()
    {
        var broker = _host.Services.GetRequiredService<BrokerConnection>();
        await broker.Faulted(new EndpointEvent(DispatcherInstance));
        _clock.Shift = TimeSpan.Zero;
        await broker.Ready(new EndpointEvent(DispatcherInstance));

        var requestId = await SubmitAsync("withdrawn-while-reconnecting");

        Assert.True(await _harness.Consumed.Any<AttemptStillWanted>(m => m.Context.Message.RequestId == requestId));
        Assert.True(await _harness.Consumed.Any<SubmitCompletion>(m => m.Context.Message.RequestId == requestId));
        Assert.DoesNotContain(_upstream.Received, r => r.Body.Contains("withdrawn-while-reconnecting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARequestTakenWhileTheDispatchersOwnQueueIsComingBack_IsRunOnceItIsBack_AndAnswered()
    {
        // After a lost connection the endpoint queues' consumers can be back a moment before the
        // dispatcher's own queue: a request taken then used to have its acknowledgement given up as
        // undeliverable, its call aborted, and its message (acknowledged) gone.
        var broker = _host.Services.GetRequiredService<BrokerConnection>();
        await broker.Faulted(new EndpointEvent(DispatcherInstance));
        var requestId = await SubmitAsync("taken-while-reconnecting", ""","fake":{"delay_ms":200}""");

        // The dispatcher's own queue comes back a little later, as a reconnection takes (about a second in the cluster test).
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var back = DateTimeOffset.UtcNow;
        await broker.Ready(new EndpointEvent(DispatcherInstance));

        Assert.True(await _harness.Sent.Any<CompletionResult>(m => m.Context.Message.RequestId == requestId && m.Context.Message.StatusCode == 200));
        var call = Assert.Single(_upstream.Received, r => r.Body.Contains("taken-while-reconnecting", StringComparison.Ordinal));
        Assert.True(call.At >= back, $"the upstream was called {(back - call.At).TotalMilliseconds:0} ms before the dispatcher's queue was back");
    }

    [Fact]
    public async Task WithoutAReconnection_ARequestSentLongAfterTheBusStarted_RunsWithoutAsking()
    {
        var requestId = await SubmitAsync("never-disconnected");

        await _upstream.WaitForAsync(r => r.Body.Contains("never-disconnected", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.False(await _harness.Consumed.Any<AttemptStillWanted>(m => m.Context.Message.RequestId == requestId));
    }

    private async Task<Guid> SubmitAsync(string content, string extra = "")
    {
        var requestId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var body = $$"""{"model":"m","messages":[{"role":"user","content":"{{content}}"}]{{extra}}}""";
        await _harness.Bus.Publish(new SubmitCompletion(requestId, 1, "keyed", UpstreamRoute.ChatCompletions, body, now.AddMinutes(1), now.AddMinutes(1)), context =>
        {
            context.RequestId = requestId;
            context.ResponseAddress = new Uri("loopback://localhost/test-ingress");
        });
        return requestId;
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
        await _upstream.DisposeAsync();
    }

    /// <summary>The ingress's answer when its caller has left: nobody waits for any attempt.</summary>
    private sealed class NobodyWaits : IConsumer<AttemptStillWanted>
    {
        public Task Consume(ConsumeContext<AttemptStillWanted> context) =>
            context.RespondAsync(new AttemptWanted(context.Message.RequestId, context.Message.Attempt, Wanted: false));
    }

    /// <summary>The wall clock moved by <see cref="Shift"/>; timestamps (timeouts, delays) run as usual.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }

    /// <summary>What the dispatcher's own queue's endpoint reports when its connection faults and when it is ready again.</summary>
    private sealed class EndpointEvent(Uri inputAddress) : ReceiveEndpointFaulted, ReceiveEndpointReady
    {
        public Uri InputAddress { get; } = inputAddress;

        public IReceiveEndpoint ReceiveEndpoint => throw new NotSupportedException();

        public Exception Exception { get; } = new InvalidOperationException("connection lost");

        public bool IsStarted => true;
    }
}
