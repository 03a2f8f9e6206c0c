using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Logging;
using BrokerGateway.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting;

public static class GatewayHost
{
    /// <summary>Stands for the <c>.env</c> file in start-up validation, so a broken file stops the service with one line.</summary>
    private sealed class DotEnvFile;

    /// <summary>
    /// Settings for a service's host: configuration files are found beside the binary, whatever the
    /// working directory, so <c>dotnet run --project src/X</c> works from anywhere.
    /// </summary>
    public static HostApplicationBuilderSettings Settings(string[] args)
    {
        DefaultToDevelopmentInDebugBuilds();
        return new() { Args = args, ContentRootPath = AppContext.BaseDirectory };
    }

    public static Microsoft.AspNetCore.Builder.WebApplicationOptions WebOptions(string[] args)
    {
        DefaultToDevelopmentInDebugBuilds();
        return new() { Args = args, ContentRootPath = AppContext.BaseDirectory };
    }

    /// <summary>
    /// A Debug build — what <c>dotnet run</c> makes from a clone — runs in the Development
    /// environment unless told otherwise, so a first try needs no setup. Release builds (publish,
    /// containers) default to Production. An explicit <c>ASPNETCORE_ENVIRONMENT</c>,
    /// <c>DOTNET_ENVIRONMENT</c> or <c>--environment</c> always wins. (A launch profile would do the
    /// same, but <c>dotnet run</c> then prints a line on standard output, which would spoil
    /// <c>token</c>'s output.)
    /// </summary>
    private static void DefaultToDevelopmentInDebugBuilds()
    {
#if DEBUG
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")))
        {
            Environment.SetEnvironmentVariable("DOTNET_ENVIRONMENT", Environments.Development);
        }
#endif
    }

    /// <summary>What every service starts with: a <c>.env</c> file from the working directory, Serilog, OpenTelemetry and its health checks, and a clock.</summary>
    public static IHostApplicationBuilder AddGatewayDefaults(this IHostApplicationBuilder builder, string service)
    {
        var dotEnvError = builder.Configuration.AddDotEnvFile(Path.Combine(Directory.GetCurrentDirectory(), ".env"));
        builder.Services.AddOptions<DotEnvFile>()
            .Validate(_ => dotEnvError is null, dotEnvError ?? string.Empty)
            .ValidateOnStart();
        builder.AddGatewayLogging(service);
        builder.AddGatewayTelemetry(service);
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
