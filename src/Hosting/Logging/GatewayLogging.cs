using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace BrokerGateway.Hosting.Logging;

public static class GatewayLogging
{
    /// <summary>
    /// Structured console logging with Serilog. Levels come from the <c>Serilog</c> section; the
    /// defaults keep framework chatter (per-request ASP.NET logs, HttpClient's URI logs) out, since
    /// request lines could carry what callers send.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayLogging(this IHostApplicationBuilder builder, string service)
    {
        builder.Services.AddSerilog((_, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .MinimumLevel.Override("MassTransit", LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Filter.ByExcluding(BrokerNoise.IsNoise)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Service", service)
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {SourceContext}: {Message:lj}{NewLine}{Exception}"));
        return builder;
    }
}
