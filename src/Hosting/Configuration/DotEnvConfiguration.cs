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
    /// <summary>
    /// Adds the file's values; returns why the file could not be read, or null. The reason never
    /// quotes the file, which may hold keys.
    /// </summary>
    public static string? AddDotEnvFile(this IConfigurationManager configuration, string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        Dictionary<string, string?> values;
        try
        {
            // As with environment variables, KEY__CHILD means KEY:CHILD.
            values = DotNetEnv.Env.Load(path, new DotNetEnv.LoadOptions(setEnvVars: false, clobberExistingVars: false, onlyExactPath: true))
                .GroupBy(kv => kv.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => (string?)g.Last().Value, StringComparer.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $".env: {path} cannot be parsed ({ex.GetType().Name}); check its quoting. Its content is not shown because it may hold keys";
        }

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

        return null;
    }
}
