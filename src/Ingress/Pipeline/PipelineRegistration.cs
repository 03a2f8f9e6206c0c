using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BrokerGateway.Ingress.Pipeline;

internal static class PipelineRegistration
{
    /// <summary>The request pipeline and what it tells operators; its steps (limits, routing, usage) are registered by their own features.</summary>
    public static IHostApplicationBuilder AddRequestPipeline(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RequestPipeline>();
        builder.Services.AddSingleton<RequestTelemetry>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Hosting.Telemetry.GatewayMetrics>();
        builder.Services.AddOptions<RequestTelemetryOptions>().BindConfiguration(RequestTelemetryOptions.Section);
        return builder;
    }
}
