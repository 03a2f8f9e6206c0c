using MassTransit;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// A service's share of the one bus a process runs. Standalone mode composes the ingress,
/// dispatcher and watcher modules on one in-memory bus; split across processes each runs its own.
/// </summary>
public interface IGatewayBusModule
{
    /// <summary>Registers the module's consumers and request clients.</summary>
    void AddConsumers(IBusRegistrationConfigurator bus);

    /// <summary>Puts consumers on this process's own auto-deleted queue, which receives every published copy (fan-out).</summary>
    void ConfigureInstanceEndpoint(IBusRegistrationContext context, IReceiveEndpointConfigurator endpoint)
    {
    }

    /// <summary>Configures the module's named, shared queues.</summary>
    void ConfigureEndpoints(IBusRegistrationContext context, IBusFactoryConfigurator bus)
    {
    }
}
