using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Dispatcher;

public sealed class Program
{
    public static Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(GatewayHost.Settings(args));
        builder.AddGatewayDefaults("dispatcher");
        builder.AddDispatcher();
        builder.AddGatewayBus(requireBroker: true);
        return builder.Build().RunValidatedAsync();
    }
}
