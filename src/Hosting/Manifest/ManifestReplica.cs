using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting.Manifest;

public static class ManifestReplica
{
    /// <summary>Gives the process a local manifest copy, kept current from the bus. Safe to call more than once.</summary>
    public static IHostApplicationBuilder AddManifestReplica(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ManifestStore)))
        {
            return builder;
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddBrokerServices();
        builder.Services.AddSingleton<ManifestStore>();
        builder.Services.AddSingleton<ManifestBootstrapper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ManifestBootstrapper>());
        return builder.AddBusModule<ManifestReplicaModule>();
    }

    private sealed class ManifestReplicaModule : IGatewayBusModule
    {
        public void AddConsumers(IBusRegistrationConfigurator bus) =>
            bus.AddConsumer<ManifestChangedConsumer>();

        public void ConfigureInstanceEndpoint(IBusRegistrationContext context, IReceiveEndpointConfigurator endpoint) =>
            endpoint.ConfigureConsumer<ManifestChangedConsumer>(context);
    }
}
