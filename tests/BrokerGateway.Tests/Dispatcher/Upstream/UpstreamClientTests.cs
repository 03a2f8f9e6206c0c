using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Anthropic;
using BrokerGateway.Dispatcher.Upstream;
using BrokerGateway.FakeUpstream;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Dispatcher.Upstream;

/// <summary>The upstream client's circuit breaker, with its thresholds from configuration, against a real fake upstream on loopback.</summary>
public sealed class UpstreamClientTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task TheConfiguredThresholds_OpenTheCircuit_ForTheConfiguredTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new DispatcherOptions { BreakerFailureRatio = 1.0, BreakerMinimumCalls = 3, BreakerSamplingSeconds = 60, BreakerBreakSeconds = 120 };
        var dialects = new UpstreamDialects(new OpenAiDialect(), new AzureDialect(), new AnthropicDialect(Options.Create(options), time), time);
        var client = new UpstreamClient(_services.GetRequiredService<IHttpClientFactory>(), dialects, time, Options.Create(options));
        _upstream.Behavior = new FakeBehavior(Status: 503);

        // Three failures 20 s apart: within the configured 60 s, not within the default 30 s.
        var failures = new List<CompletionResult>();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(i == 0 ? 0 : 20));
            failures.Add(await SendAsync(client, time));
        }

        var whileOpen = await SendAsync(client, time);
        time.Advance(TimeSpan.FromSeconds(119));
        var stillOpen = await SendAsync(client, time);
        _upstream.Behavior = new FakeBehavior();
        time.Advance(TimeSpan.FromSeconds(2));
        var afterTheBreak = await SendAsync(client, time);

        Assert.All(failures, f => Assert.Equal(503, f.StatusCode));
        Assert.Equal(CompletionOutcome.Unreachable, whileOpen.Outcome);
        Assert.Contains("circuit", whileOpen.Detail, StringComparison.Ordinal);
        Assert.Equal(CompletionOutcome.Unreachable, stillOpen.Outcome);
        Assert.Equal((CompletionOutcome.Answered, 200), (afterTheBreak.Outcome, afterTheBreak.StatusCode));
        Assert.Equal(4, _upstream.Received.Count);
    }

    private Task<CompletionResult> SendAsync(UpstreamClient client, TimeProvider time)
    {
        var entry = new ManifestEntry("e", EndpointStatus.Live, "M", "D", ["m"], _upstream.BaseUrl.ToString().TrimEnd('/'), "e");
        var now = time.GetUtcNow();
        var request = new SubmitCompletion(Guid.NewGuid(), 1, "e", UpstreamRoute.ChatCompletions, """{"model":"m"}""", now.AddSeconds(20), now.AddSeconds(20));
        return client.SendAsync(entry, "sk-test", request, CancellationToken.None);
    }
}
