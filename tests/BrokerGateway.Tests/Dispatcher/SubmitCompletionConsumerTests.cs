using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.FakeUpstream;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Dispatcher;

/// <summary>The consumer on MassTransit's test harness, calling a real fake upstream on loopback.</summary>
public sealed class SubmitCompletionConsumerTests : IAsyncLifetime
{
    private const string Key = "sk-test-key-for-keyed";
    private FakeUpstreamServer _upstream = null!;
    private IHost _host = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        (_host, _harness) = await DispatcherHarness.StartAsync($$"""{"keyed": "{{Key}}", "unreachable": "{{Key}}"}""",
        [
            new ManifestEntry("keyed", EndpointStatus.Live, "M", "D", ["m"], _upstream.BaseUrl.ToString().TrimEnd('/'), "keyed"),
            new ManifestEntry("keyless", EndpointStatus.Live, "M", "D", ["m"], _upstream.BaseUrl.ToString().TrimEnd('/'), "keyless"),
            new ManifestEntry("unreachable", EndpointStatus.Live, "M", "D", ["m"], "http://127.0.0.1:1/v1", "unreachable"),
            new ManifestEntry("mock", EndpointStatus.Live, "M", "D", ["mock-gpt"], "mock://echo", "mock"),
        ]);
    }

    private async Task<CompletionResult> SendAsync(string endpointId, string body, UpstreamRoute route = UpstreamRoute.ChatCompletions, TimeSpan? deadline = null)
    {
        var client = _harness.GetRequestClient<SubmitCompletion>();
        var now = DateTimeOffset.UtcNow;
        var message = new SubmitCompletion(Guid.NewGuid(), 1, endpointId, route, body, now + TimeSpan.FromSeconds(20), now + (deadline ?? TimeSpan.FromSeconds(20)));
        return (await client.GetResponse<CompletionResult>(message)).Message;
    }

    [Fact]
    public async Task Consume_KeyedEndpoint_PostsTheBodyUnchangedWithTheKey()
    {
        const string body = """{"model":"m","messages":[{"role":"user","content":"hi"}],"custom_field":{"nested":[1,2]},"temperature":0.2}""";

        var result = await SendAsync("keyed", body);

        Assert.Equal(CompletionOutcome.Answered, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        Assert.Contains(FakeResponses.ChatContent, result.Body, StringComparison.Ordinal);
        var received = Assert.Single(_upstream.Received);
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Equal($"Bearer {Key}", received.Authorization);
        Assert.Equal(body, received.Body);
    }

    [Theory]
    [InlineData(UpstreamRoute.Completions, "/v1/completions")]
    [InlineData(UpstreamRoute.Embeddings, "/v1/embeddings")]
    public async Task Consume_OtherRoutes_PostToTheirPath(UpstreamRoute route, string path)
    {
        await SendAsync("keyed", """{"model":"m","input":"x","prompt":"y"}""", route);

        Assert.Equal(path, Assert.Single(_upstream.Received).Path);
    }

    [Fact]
    public async Task Consume_UpstreamError_ReturnsItsStatusAndBody()
    {
        var result = await SendAsync("keyed", """{"model":"m","fake":{"status":500}}""");

        Assert.Equal(CompletionOutcome.Answered, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        Assert.Contains("fake_500", result.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consume_RepeatedUpstreamFailures_OpenTheEndpointsCircuitAndLaterAttemptsFailWithoutACall()
    {
        _upstream.Behavior = new FakeBehavior(Status: 503);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(503, (await SendAsync("keyed", """{"model":"m"}""")).StatusCode);
        }

        var refused = await SendAsync("keyed", """{"model":"m"}""");

        Assert.Equal(CompletionOutcome.Unreachable, refused.Outcome);
        Assert.Contains("circuit", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(10, _upstream.Received.Count);
        Assert.Equal(CompletionOutcome.Answered, (await SendAsync("mock", """{"model":"mock-gpt","messages":[]}""")).Outcome);
    }

    [Fact]
    public async Task Consume_EndpointWithoutKey_IsNotServedAndNothingIsSent()
    {
        var result = await SendAsync("keyless", """{"model":"m"}""");

        Assert.Equal(CompletionOutcome.NotServed, result.Outcome);
        Assert.Empty(_upstream.Received);
    }

    [Fact]
    public async Task Consume_UpstreamUnreachable_ReportsUnreachable()
    {
        var result = await SendAsync("unreachable", """{"model":"m"}""");

        Assert.Equal(CompletionOutcome.Unreachable, result.Outcome);
        Assert.DoesNotContain(Key, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consume_UpstreamSlowerThanTheDeadline_ReportsTimedOutAndAbortsTheCall()
    {
        var result = await SendAsync("keyed", """{"model":"m","fake":{"delay_ms":10000}}""", deadline: TimeSpan.FromMilliseconds(500));

        Assert.Equal(CompletionOutcome.TimedOut, result.Outcome);
        await _upstream.WaitForAsync(r => r.Aborted, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Consume_MockEndpoint_AnswersWithoutNetwork()
    {
        var result = await SendAsync("mock", """{"model":"mock-gpt","messages":[{"role":"user","content":"echo me"}]}""");

        Assert.Equal(200, result.StatusCode);
        Assert.Contains("echo me", result.Body, StringComparison.Ordinal);
        Assert.Empty(_upstream.Received);
    }

    [Fact]
    public async Task Consume_UnknownEndpoint_IsNotServed()
    {
        var result = await SendAsync("nobody", """{"model":"m"}""");

        Assert.Equal(CompletionOutcome.NotServed, result.Outcome);
    }

    [Fact]
    public async Task Consume_CancelledByTheIngress_AbortsTheUpstreamCallAndAnswersNothing()
    {
        var requestId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await _harness.Bus.Publish(new SubmitCompletion(requestId, 1, "keyed", UpstreamRoute.ChatCompletions, """{"model":"m","fake":{"delay_ms":30000}}""", now.AddSeconds(20), now.AddSeconds(60)));
        await _upstream.WaitForAsync(r => r.Body.Contains("delay_ms", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        // Published without a response address, answers are published rather than sent.
        Assert.True(await _harness.Published.Any<CompletionAccepted>(x => x.Context.Message.RequestId == requestId));
        Assert.True(_host.Services.GetRequiredService<InFlightCalls>().Cancel(requestId, 1));

        await _upstream.WaitForAsync(r => r.Aborted, TimeSpan.FromSeconds(10));
        Assert.True(await _harness.Consumed.Any<SubmitCompletion>(x => x.Context.Message.RequestId == requestId && x.Exception is null));
        Assert.False(await _harness.Published.Any<CompletionResult>(x => x.Context.Message.RequestId == requestId));
    }

    [Fact]
    public async Task Consume_QuickAnswer_IsItsOwnAcknowledgement()
    {
        var result = await SendAsync("mock", """{"model":"mock-gpt","messages":[{"role":"user","content":"quick"}]}""");

        Assert.Equal(200, result.StatusCode);
        Assert.False(await _harness.Sent.Any<CompletionAccepted>(x => x.Context.Message.RequestId == result.RequestId));
    }

    [Fact]
    public async Task Consume_ArrivingAfterAcceptBy_IsNotTakenAndNothingIsSent()
    {
        var requestId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await _harness.Bus.Publish(new SubmitCompletion(requestId, 1, "keyed", UpstreamRoute.ChatCompletions, """{"model":"m"}""", now.AddSeconds(-1), now.AddSeconds(60)));

        Assert.True(await _harness.Consumed.Any<SubmitCompletion>(x => x.Context.Message.RequestId == requestId));
        Assert.False(await _harness.Published.Any<CompletionAccepted>(x => x.Context.Message.RequestId == requestId));
        Assert.Empty(_upstream.Received);
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
        await _upstream.DisposeAsync();
    }
}
