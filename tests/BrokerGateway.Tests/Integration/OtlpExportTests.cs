using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// What reaches an operator's OpenTelemetry collector: with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set,
/// the spans; metrics too only where <c>OTEL_METRICS_EXPORTER</c> lists <c>otlp</c> — by default
/// they are scraped at <c>/metrics</c>, not aggregated a second time to be pushed.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Spans_ArePushed_AndMetricsOnlyWhereOtlpIsListed()
    {
        await using var scrapedSink = await OtlpSink.StartAsync($"http://127.0.0.1:{ServiceProcess.FreePort()}");
        await using var pushedSink = await OtlpSink.StartAsync($"http://127.0.0.1:{ServiceProcess.FreePort()}");
        await using var scraped = await StandaloneIngressFactory.CreateAsync(Exporting(scrapedSink, metricsExporters: null));
        await using var pushed = await StandaloneIngressFactory.CreateAsync(Exporting(pushedSink, metricsExporters: "prometheus,otlp"));

        foreach (var gateway in new[] { scraped, pushed })
        {
            var client = await gateway.CreateReadyClientAsync();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
        }

        await Eventually.Until(() => scrapedSink.Exports("traces") > 0 && pushedSink.Exports("traces") > 0, TimeSpan.FromSeconds(20), "both gateways pushed their spans");
        // Both export every 100 ms: once the second has pushed its metrics several times, the first would have too.
        await Eventually.Until(() => pushedSink.Exports("metrics") >= 3, TimeSpan.FromSeconds(20), "metrics pushed where otlp is listed");
        Assert.Equal(0, scrapedSink.Exports("metrics"));
    }

    private static Dictionary<string, string?> Exporting(OtlpSink sink, string? metricsExporters)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "100",
        };
        if (metricsExporters is not null)
        {
            settings["OTEL_METRICS_EXPORTER"] = metricsExporters;
        }

        return settings;
    }
}
