using Microsoft.Extensions.Configuration;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>What every service publishes of itself: traces by OTLP when an endpoint is named, metrics always (scraped at <c>/metrics</c>).</summary>
public sealed class TelemetryOptions
{
    /// <summary>OpenTelemetry's own variable: where traces and metrics are pushed by OTLP; unset, nothing is pushed.</summary>
    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? OtlpEndpoint { get; set; }

    /// <summary>The service name spans and metrics carry; default <c>brokergateway-{service}</c>.</summary>
    [ConfigurationKeyName("OTEL_SERVICE_NAME")]
    public string? ServiceName { get; set; }
}
