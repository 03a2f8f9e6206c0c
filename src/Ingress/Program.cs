using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress;

/// <summary>The ingress alone, over RabbitMQ; the whole gateway in one process is <c>src/Standalone</c>.</summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (TokenCommand.FromCommandLine(args) is { } token)
        {
            return await token;
        }

        var builder = WebApplication.CreateBuilder(GatewayHost.WebOptions(args));
        builder.AddIngress();
        return await builder.Build().UseIngress().RunValidatedAsync();
    }
}
