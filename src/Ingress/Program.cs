using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress;

public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [TokenCommand.Name, .. var tokenArgs])
        {
            var configuration = WebApplication.CreateBuilder(GatewayHost.WebOptions([])).Configuration;
            if (configuration.AddDotEnvFile(Path.Combine(Directory.GetCurrentDirectory(), ".env")) is { } error)
            {
                await Console.Error.WriteLineAsync($"Configuration error: {error}");
                return ConfigurationErrors.ExitCode;
            }

            return TokenCommand.Run(tokenArgs, configuration, Console.Out, Console.Error);
        }

        var builder = WebApplication.CreateBuilder(GatewayHost.WebOptions(args));
        builder.AddIngress();
        return await builder.Build().UseIngress().RunValidatedAsync();
    }
}
