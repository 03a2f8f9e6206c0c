using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace BrokerGateway.Hosting.Configuration;

/// <summary>
/// Reads a <c>.env</c> file (the seed's way of configuring the gateway) into configuration. Its
/// values rank above appsettings and below real environment variables and the command line.
/// </summary>
public static class DotEnvConfiguration
{
    public static IConfigurationManager AddDotEnvFile(this IConfigurationManager configuration, string path)
    {
        if (!File.Exists(path))
        {
            return configuration;
        }

        var values = DotNetEnv.Env.Load(path, new DotNetEnv.LoadOptions(setEnvVars: false, clobberExistingVars: false, onlyExactPath: true))
            .GroupBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (string?)g.Last().Value, StringComparer.OrdinalIgnoreCase);
        var source = new MemoryConfigurationSource { InitialData = values };

        var sources = configuration.Sources;
        var environmentIndex = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                environmentIndex = i;
            }
        }

        if (environmentIndex < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(environmentIndex, source);
        }

        return configuration;
    }
}
