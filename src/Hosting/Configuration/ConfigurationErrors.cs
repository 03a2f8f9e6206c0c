using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Configuration;

/// <summary>
/// Runs a host only when its configuration is valid. Every option class validates on start; a
/// failure prints one line per bad key to standard error and exits with code 2, before anything
/// listens or connects, so a service never half-starts. A key that no longer has any effect is
/// named in a warning line, so that an operator does not believe it still applies.
/// </summary>
public static class ConfigurationErrors
{
    public const int ExitCode = 2;

    /// <summary>Keys earlier versions read, and what took their place.</summary>
    private static readonly (string Key, string Instead)[] Retired =
    [
        ("Routing:AcceptanceTimeoutSeconds", "a request now waits on its endpoint's queue for as long as its deadline allows while a dispatcher consumes it; remove the key"),
    ];

    public static async Task<int> RunValidatedAsync(this IHost host)
    {
        if (!TryValidate(host.Services, Console.Error))
        {
            host.Dispose();
            return ExitCode;
        }

        await host.RunAsync();

        // A service that found its configuration wrong only once running (a dispatcher's queue
        // declared with another bound) sets the exit code before it stops.
        return Environment.ExitCode;
    }

    public static bool TryValidate(IServiceProvider services, TextWriter error)
    {
        if (services.GetService<IConfiguration>() is { } configuration)
        {
            foreach (var (key, instead) in Retired.Where(r => configuration[r.Key] is not null))
            {
                error.WriteLine($"Configuration warning: {key}: no longer has any effect: {instead}");
            }
        }

        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (OptionsValidationException ex)
        {
            Write(error, ex);
            return false;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            foreach (var inner in ex.InnerExceptions.Cast<OptionsValidationException>())
            {
                Write(error, inner);
            }

            return false;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The configuration binder's own message names the key (e.g. a word where a number belongs).
            error.WriteLine($"Configuration error: {ex.Message}");
            return false;
        }
    }

    private static void Write(TextWriter error, OptionsValidationException ex)
    {
        foreach (var failure in ex.Failures)
        {
            error.WriteLine($"Configuration error: {failure}");
        }
    }
}
