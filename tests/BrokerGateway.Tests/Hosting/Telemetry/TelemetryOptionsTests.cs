using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Hosting.Telemetry;

public class TelemetryOptionsTests
{
    private static (bool Valid, string Error) Validate(string? metricsExporters)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TelemetryOptions.MetricsExportersKey] = metricsExporters });
        builder.AddGatewayTelemetry("test");
        using var host = builder.Build();
        using var error = new StringWriter();
        return (ConfigurationErrors.TryValidate(host.Services, error), error.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("prometheus")]
    [InlineData("otlp")]
    [InlineData("none")]
    [InlineData(" Prometheus , OTLP ")]
    public void AnExporterListOfPrometheusAndOtlp_Starts(string? exporters) => Assert.True(Validate(exporters).Valid);

    [Fact]
    public void AnExporterTheGatewayHasNot_StopsTheStart_NamingTheKey()
    {
        var (valid, error) = Validate("prometheus,zipkin");

        Assert.False(valid);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: OTEL_METRICS_EXPORTER: 'zipkin' is not an exporter here", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("http://collector:4318", null, false)]
    [InlineData("http://collector:4318", "prometheus,otlp", true)]
    [InlineData(null, "otlp", false)]
    public void MetricsArePushed_OnlyWhereOtlpIsListedAndAnEndpointNamed(string? endpoint, string? exporters, bool pushed) =>
        Assert.Equal(pushed, new TelemetryOptions { OtlpEndpoint = endpoint, MetricsExporters = exporters }.PushesMetrics);
}
