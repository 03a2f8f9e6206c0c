using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Hosting.Telemetry;
using Microsoft.AspNetCore.Builder;

namespace BrokerGateway.Dispatcher;

public sealed class Program
{
    /// <summary>The port of a dispatcher's <c>/metrics</c> and <c>/health</c>, its only HTTP listener (the Prometheus exporter's customary port).</summary>
    public const string MetricsPortKey = "DISPATCHER_METRICS_PORT";

    public static Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(GatewayHost.WebOptions(args));
        builder.AddGatewayDefaults("dispatcher");
        builder.AddDispatcher();
        builder.AddGatewayBus(requireBroker: true);
        builder.AddProbeListener(MetricsPortKey, 9464);
        return builder.Build().MapProbes().RunValidatedAsync();
    }
}
