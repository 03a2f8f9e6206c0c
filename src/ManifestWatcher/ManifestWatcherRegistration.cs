using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.ManifestWatcher;

public static class ManifestWatcherRegistration
{
    /// <summary>Adds the manifest watcher: the poller, its state (which hears what other watchers publish), and the queue that answers <c>GetCurrentManifest</c>.</summary>
    public static IHostApplicationBuilder AddManifestWatcher(this IHostApplicationBuilder builder)
    {
        builder.AddBrokerServices();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<ManifestSourceOptions>, ManifestSourceOptionsValidator>();
        builder.Services.AddOptions<ManifestSourceOptions>()
            .BindRoot()
            .ValidateOnStart();
        builder.Services.AddHttpClient(ManifestSource.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .RemoveAllLoggers();
        builder.Services.AddSingleton<ManifestSource>();
        builder.Services.AddSingleton<WatcherState>();
        builder.Services.AddHostedService<ManifestPoller>();
        return builder.AddBusModule<ManifestWatcherBusModule>();
    }

    private sealed class ManifestWatcherBusModule : IGatewayBusModule
    {
        public void AddConsumers(IBusRegistrationConfigurator bus)
        {
            bus.AddConsumer<GetCurrentManifestConsumer>();
            bus.AddConsumer<PeerManifestConsumer>();
        }

        public void ConfigureInstanceEndpoint(IBusRegistrationContext context, IReceiveEndpointConfigurator endpoint) =>
            endpoint.ConfigureConsumer<PeerManifestConsumer>(context);

        public void ConfigureEndpoints(IBusRegistrationContext context, IBusFactoryConfigurator bus) =>
            bus.ReceiveEndpoint(QueueNames.ManifestWatcher, e => e.ConfigureConsumer<GetCurrentManifestConsumer>(context));
    }
}
