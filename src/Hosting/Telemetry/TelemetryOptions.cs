using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>What every service publishes of itself: metrics at <c>/metrics</c> always, and by OTLP — traces, and metrics where asked for — when an endpoint is named.</summary>
public sealed class TelemetryOptions
{
    public const string MetricsExportersKey = "OTEL_METRICS_EXPORTER";

    /// <summary>OpenTelemetry's own variable: where traces (and metrics, see <see cref="MetricsExporters"/>) are pushed by OTLP; unset, nothing is pushed.</summary>
    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? OtlpEndpoint { get; set; }

    /// <summary>The service name spans and metrics carry; default <c>brokergateway-{service}</c>.</summary>
    [ConfigurationKeyName("OTEL_SERVICE_NAME")]
    public string? ServiceName { get; set; }

    /// <summary>
    /// OpenTelemetry's variable for where metrics go, a comma-separated list of <c>prometheus</c>
    /// and <c>otlp</c> (or <c>none</c>). Default <c>prometheus</c>: served at <c>/metrics</c> for a
    /// scraper, not also pushed — each exporter aggregates every measurement again, on the request's
    /// own thread. <c>/metrics</c> is served whatever the list says: it is the gateway's documented
    /// scrape target, beside the health probes on a dispatcher's and the watcher's port.
    /// </summary>
    [ConfigurationKeyName(MetricsExportersKey)]
    public string? MetricsExporters { get; set; }

    /// <summary>Whether metrics are pushed by OTLP too: <c>otlp</c> is listed and an endpoint is named.</summary>
    public bool PushesMetrics => !string.IsNullOrWhiteSpace(OtlpEndpoint) && ExporterNames().Contains("otlp");

    internal IEnumerable<string> ExporterNames() =>
        (MetricsExporters ?? "prometheus").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => name.ToLowerInvariant());
}

/// <summary>Stops a service at start when <c>OTEL_METRICS_EXPORTER</c> names an exporter the gateway has not got.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    private static readonly string[] Known = ["prometheus", "otlp", "none"];

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var unknown = options.ExporterNames().Where(exporter => !Known.Contains(exporter)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{TelemetryOptions.MetricsExportersKey}: '{string.Join(',', unknown)}' is not an exporter here; use prometheus, otlp, both (prometheus,otlp) or none");
    }
}
