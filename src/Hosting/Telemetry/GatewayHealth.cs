using System.Text.Json;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>
/// The probes an orchestrator asks, from ASP.NET Core's health checks: <c>/health/live</c> — the
/// process answers (no check runs: a broker that is away must not get the pod restarted) — and
/// <c>/health/ready</c> — every check tagged <see cref="Ready"/> passes: the broker connected, a
/// manifest loaded, and for the ingress its database and Redis when used. Both answer JSON with
/// each check's status; 503 when not ready.
/// </summary>
public static class GatewayHealth
{
    public const string Ready = "ready";

    /// <summary>The checks every service has: the broker connection (when the bus is RabbitMQ) and the manifest.</summary>
    public static IHealthChecksBuilder AddGatewayHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<BrokerHealthCheck>("broker", tags: [Ready])
            .AddCheck<ManifestHealthCheck>("manifest", tags: [Ready]);

    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = WriteAsync }).AllowAnonymous();
        return routes;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(GatewayJsonWriter.Write(report));
    }

    /// <summary>The report as <c>{"status": …, "checks": {"broker": {"status", "description"}}}</c>: no exception text, which could name a host or a user.</summary>
    private static class GatewayJsonWriter
    {
        public static string Write(HealthReport report)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("status", Name(report.Status));
                writer.WriteStartObject("checks");
                foreach (var (name, entry) in report.Entries)
                {
                    writer.WriteStartObject(name);
                    writer.WriteString("status", Name(entry.Status));
                    writer.WriteString("description", entry.Description);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static string Name(HealthStatus status) => status switch
        {
            HealthStatus.Healthy => "healthy",
            HealthStatus.Degraded => "degraded",
            _ => "unhealthy",
        };
    }
}

/// <summary>Ready when the bus is in memory (standalone), or its connection to RabbitMQ is up.</summary>
internal sealed class BrokerHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<BrokerConnection>() is not { } broker || broker.IsUp
            ? HealthCheckResult.Healthy("connected")
            : HealthCheckResult.Unhealthy("the connection to the broker is lost"));
}

/// <summary>Ready once a manifest has arrived (at a service that keeps a copy: the ingress, a dispatcher): until then nothing can be routed or served.</summary>
internal sealed class ManifestHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<ManifestStore>() switch
        {
            null => HealthCheckResult.Healthy("this service keeps no manifest copy"),
            { Current: null } => HealthCheckResult.Unhealthy("no manifest has arrived yet"),
            { Current: { } current } => HealthCheckResult.Healthy($"{current.Entries.Count} entries"),
        });
}
