using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BrokerGateway.Hosting.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry for a service: the gateway's meter and spans, the framework's meters (ASP.NET
    /// Core, Kestrel, HttpClient, the runtime) and MassTransit's, for Prometheus to scrape and — when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set — pushed by OTLP. Spans are always made, exported or
    /// not, so that a caller's <c>traceparent</c> reaches the upstream through the broker: the
    /// ingress puts it into each message's headers (<see cref="GatewayTelemetry.TraceHeader"/>), the
    /// dispatcher's span continues it, HttpClient sends it on. Scrapes and health probes make no spans.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder, string service)
    {
        if (builder.Properties.ContainsKey(typeof(GatewayMetrics)))
        {
            // The standalone host adds the dispatcher and watcher beside the ingress: one set-up serves all three.
            return builder;
        }

        builder.Properties[typeof(GatewayMetrics)] = true;
        var options = new TelemetryOptions();
        builder.Configuration.Bind(options);
        var otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint);
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddGatewayHealthChecks();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName ?? $"brokergateway-{service}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayTelemetry.Name).AddMeter(GatewayTelemetry.FrameworkMeters).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(GatewayTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary><c>GET /metrics</c>: every meter of the process, in Prometheus's text format.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder routes)
    {
        routes.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return routes;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");
}
