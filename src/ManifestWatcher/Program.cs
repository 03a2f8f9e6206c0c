using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.ManifestWatcher;

public sealed class Program
{
    public static Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(GatewayHost.Settings(args));
        builder.AddGatewayDefaults("manifest-watcher");
        builder.AddManifestWatcher();
        builder.AddGatewayBus(requireBroker: true);
        return builder.Build().RunValidatedAsync();
    }
}
