using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>
/// A dispatcher's or the watcher's one HTTP listener: <c>/metrics</c>, <c>/health/live</c> and
/// <c>/health/ready</c> on the port <paramref name="key"/> names (0: any free port), on every
/// address, and nothing else.
/// </summary>
public static class ProbeListener
{
    private sealed class ProbePort;

    public static WebApplicationBuilder AddProbeListener(this WebApplicationBuilder builder, string key, int defaultPort)
    {
        var text = builder.Configuration[key];
        var valid = string.IsNullOrWhiteSpace(text) || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 65535);
        var port = valid && !string.IsNullOrWhiteSpace(text) ? int.Parse(text!, CultureInfo.InvariantCulture) : defaultPort;
        builder.Services.AddOptions<ProbePort>()
            .Validate(_ => valid, $"{key}: must be a whole number from 0 (any free port) to 65535 (the port of /metrics and /health)")
            .ValidateOnStart();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenAnyIP(valid ? port : 0);
        });
        return builder;
    }

    public static WebApplication MapProbes(this WebApplication app)
    {
        app.MapGatewayMetrics();
        app.MapGatewayHealth();
        return app;
    }
}
