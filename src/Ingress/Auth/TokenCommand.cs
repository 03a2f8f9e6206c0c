using System.Globalization;
using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;

namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// <c>token --sub alice --groups g1,g2 [--minutes 60]</c>: prints a signed JWT, and nothing else, on
/// standard output — the counterpart of the seed's <c>inference-auth-token.py get_access_token</c>.
/// It reads the same configuration as the ingress, so the token is accepted by it.
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";
    private const string Usage = "usage: token --sub <subject> [--groups g1,g2] [--minutes 60]";

    /// <summary>
    /// When the command line is <c>token …</c>: the command's exit code, reading the process's
    /// configuration (and <c>.env</c>) as the ingress would; otherwise null, and the service starts.
    /// </summary>
    public static Task<int>? FromCommandLine(string[] args) => args is [Name, .. var tokenArgs] ? RunAsync(tokenArgs) : null;

    private static async Task<int> RunAsync(string[] tokenArgs)
    {
        var configuration = WebApplication.CreateBuilder(GatewayHost.WebOptions([])).Configuration;
        if (configuration.AddDotEnvFile(Path.Combine(Directory.GetCurrentDirectory(), ".env")) is { } problem)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {problem}");
            return ConfigurationErrors.ExitCode;
        }

        return Run(tokenArgs, configuration, Console.Out, Console.Error);
    }

    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        string? subject = null;
        IReadOnlyList<string> groups = [];
        var minutes = 60;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--sub" when value is not null:
                    subject = value;
                    i++;
                    break;
                case "--groups" when value is not null:
                    groups = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    i++;
                    break;
                case "--minutes" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is > 0 and <= 525_600:
                    minutes = m;
                    i++;
                    break;
                default:
                    error.WriteLine($"token: unexpected argument '{args[i]}'. {Usage}");
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            error.WriteLine($"token: --sub is required. {Usage}");
            return 2;
        }

        var options = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        var validation = new JwtOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            foreach (var failure in validation.Failures)
            {
                error.WriteLine($"Configuration error: {failure}");
            }

            return 2;
        }

        if (string.IsNullOrEmpty(options.SigningKey))
        {
            error.WriteLine($"token: {JwtOptions.Section}:SigningKey is not set; with an Authority, get tokens from that issuer instead");
            return 2;
        }

        output.WriteLine(TokenIssuer.Issue(options, subject, groups, TimeSpan.FromMinutes(minutes), TimeProvider.System));
        return 0;
    }
}
