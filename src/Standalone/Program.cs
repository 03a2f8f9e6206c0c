using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Ingress;
using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Standalone;

/// <summary>The whole gateway in one process: <c>dotnet run --project src/Standalone</c>.</summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (TokenCommand.FromCommandLine(args) is { } token)
        {
            return await token;
        }

        var builder = WebApplication.CreateBuilder(GatewayHost.WebOptions(args));
        builder.AddStandalone();
        return await builder.Build().UseIngress().RunValidatedAsync();
    }
}
