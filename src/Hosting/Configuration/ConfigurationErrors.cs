using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Configuration;

/// <summary>
/// Runs a host only when its configuration is valid. Every option class validates on start; a
/// failure prints one line per bad key to standard error and exits with code 2, before anything
/// listens or connects, so a service never half-starts.
/// </summary>
public static class ConfigurationErrors
{
    public const int ExitCode = 2;

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
