using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BrokerGateway.Hosting.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>
    /// OpenTelemetry for a service: the gateway's meter and spans, the framework's meters (ASP.NET
    /// Core, Kestrel, HttpClient, the runtime) and, over RabbitMQ, MassTransit's, for Prometheus to
    /// scrape (and pushed by OTLP too where <c>OTEL_METRICS_EXPORTER</c> lists <c>otlp</c>); spans
    /// pushed by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Spans are always made, exported or
    /// not, so that a caller's <c>traceparent</c> reaches the upstream through the broker: the
    /// ingress puts it into each message's headers (<see cref="GatewayTelemetry.TraceHeader"/>), the
    /// dispatcher's span of the call continues it, HttpClient sends it on. Scrapes and health probes make no spans.
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
        builder.Services.AddOptions<TelemetryOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();

        // ASP.NET Core 10 can put the HTTP semantic conventions' attributes on its request span itself
        // (off by default until 11); OpenTelemetry's instrumentation then leaves them to it instead of
        // adding them again from a diagnostic event on every request.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddGatewayHealthChecks();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName ?? $"brokergateway-{service}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayTelemetry.Name).AddMeter(GatewayTelemetry.FrameworkMeters).AddPrometheusExporter();

                // MassTransit's meter where it carries messages between processes: over RabbitMQ its
                // receive, consume and send counts per queue are the broker hop's. Standalone they would
                // count in-memory handoffs inside one process — the gateway's own metrics already count
                // those requests — at several measurements per message.
                if (Messaging.BusOptions.UsesRabbitMqIn(builder.Configuration))
                {
                    metrics.AddMeter(GatewayTelemetry.MassTransitMeter);
                }

                if (options.PushesMetrics)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                // Two spans per request: ASP.NET Core's at the ingress, with the GenAI attributes, and
                // the dispatcher's of the upstream call, whose traceparent the dispatcher sends upstream
                // itself. HttpClient makes none of its own (a third, as long as the call's, doubled the
                // export); its meter still times every call.
                tracing.AddSource(GatewayTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path));
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
