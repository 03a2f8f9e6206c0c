using BrokerGateway.Dispatcher;
using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Ingress;
using BrokerGateway.ManifestWatcher;
using BrokerGateway.Standalone;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// Starts the services as separate hosts in this process, composed exactly as their Program
/// classes compose them, with configuration given by the test (process environment variables
/// are overridden by it). The ingress listens on a real loopback port.
/// </summary>
public static class GatewayHosts
{
    public static async Task<IHost> StartWatcherAsync(IReadOnlyDictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(Settings());
        Configure(builder.Configuration, configuration);
        builder.AddGatewayDefaults("manifest-watcher");
        builder.AddManifestWatcher();
        builder.AddGatewayBus(requireBroker: true);
        return await StartAsync(builder.Build());
    }

    public static async Task<IHost> StartDispatcherAsync(IReadOnlyDictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(Settings());
        Configure(builder.Configuration, configuration);
        builder.AddGatewayDefaults("dispatcher");
        builder.AddDispatcher();
        builder.AddGatewayBus(requireBroker: true);
        return await StartAsync(builder.Build());
    }

    public static async Task<RunningIngress> StartIngressAsync(IReadOnlyDictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Development,
            ContentRootPath = AppContext.BaseDirectory,
        });
        Configure(builder.Configuration, configuration);
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        if (string.IsNullOrEmpty(builder.Configuration["Usage:SqlitePath"]) && string.IsNullOrEmpty(builder.Configuration["ConnectionStrings:Usage"]))
        {
            builder.Configuration["Usage:SqlitePath"] = Path.Combine(Directory.CreateTempSubdirectory("bg-usage-").FullName, "usage.db");
        }
        builder.AddStandalone();
        var app = builder.Build().UseIngress();
        await StartAsync(app);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new RunningIngress(app, new Uri(address));
    }

    private static HostApplicationBuilderSettings Settings() =>
        new() { EnvironmentName = Environments.Development, ContentRootPath = AppContext.BaseDirectory };

    private static void Configure(IConfigurationManager target, IReadOnlyDictionary<string, string?> values)
    {
        target.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
            [BusOptions.RabbitMqUrlKey] = string.Empty,
        });
        target.AddInMemoryCollection(values);
    }

    private static async Task<T> StartAsync<T>(T host)
        where T : IHost
    {
        using var error = new StringWriter();
        if (!ConfigurationErrors.TryValidate(host.Services, error))
        {
            host.Dispose();
            throw new InvalidOperationException(error.ToString());
        }

        await host.StartAsync();
        return host;
    }
}

/// <summary>An ingress listening on loopback, with a client for it.</summary>
public sealed class RunningIngress(WebApplication app, Uri address) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public Uri Address { get; } = address;

    public IServiceProvider Services => App.Services;

    public HttpClient CreateClient(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
