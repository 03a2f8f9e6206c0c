using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Hosting.Telemetry;
using Microsoft.AspNetCore.Builder;

namespace BrokerGateway.ManifestWatcher;

public sealed class Program
{
    /// <summary>The port of the watcher's <c>/metrics</c> and <c>/health</c>, its only HTTP listener.</summary>
    public const string MetricsPortKey = "WATCHER_METRICS_PORT";

    public static Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(GatewayHost.WebOptions(args));
        builder.AddGatewayDefaults("manifest-watcher");
        builder.AddManifestWatcher();
        builder.AddGatewayBus(requireBroker: true);
        builder.AddProbeListener(MetricsPortKey, 9465);
        return builder.Build().MapProbes().RunValidatedAsync();
    }
}
