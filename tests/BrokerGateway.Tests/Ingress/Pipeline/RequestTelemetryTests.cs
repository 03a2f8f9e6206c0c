using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Telemetry;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OptionsFactory = Microsoft.Extensions.Options.Options;

namespace BrokerGateway.Tests.Ingress.Pipeline;

/// <summary>The access log line an operator reads for each request: what it names, and that it can be turned off.</summary>
public class RequestTelemetryTests
{
    private static RequestTelemetry Telemetry(RecordingLogger logger, bool accessLog = true) =>
        new(new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            OptionsFactory.Create(new RequestTelemetryOptions { AccessLog = accessLog }), logger);

    private static readonly PipelineFixture Fixture = new();

    [Fact]
    public void EachRequest_IsOneInformationLine_NamingWhoWhatWhereAndHowLong()
    {
        var logger = new RecordingLogger();
        var request = Fixture.Request(user: "grace") with { Route = UpstreamRoute.ChatCompletions, Body = "{\"messages\":[{\"content\":\"a secret prompt\"}]}" };

        Telemetry(logger).Finished(request, 200, new RoutedAnswer(null, null, "endpoint-a", 2) { QueueMilliseconds = 12 }, (30, 8, 38), TimeSpan.FromMilliseconds(250), null);

        var (level, line) = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Information, level);
        Assert.All([request.RequestId.ToString(), "grace", "gpt-test", "endpoint-a", "chat/completions", "-> 200", "2 attempt(s)", "queued 12 ms", "250 ms", "30+8 tokens"], part => Assert.Contains(part, line, StringComparison.Ordinal));
        Assert.DoesNotContain("secret prompt", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TurnedOff_ItSaysNothing()
    {
        var logger = new RecordingLogger();

        Telemetry(logger, accessLog: false).Finished(Fixture.Request(), 200, null, default, TimeSpan.FromMilliseconds(1), null);

        Assert.Empty(logger.Lines);
    }

    internal sealed class RecordingLogger : ILogger<RequestTelemetry>
    {
        public List<(LogLevel Level, string Line)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
