using BrokerGateway.Dispatcher;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Ingress;
using BrokerGateway.ManifestWatcher;

namespace BrokerGateway.Standalone;

public static class StandaloneRegistration
{
    /// <summary>
    /// The ingress, and — with <c>RABBITMQ_URL</c> unset — a dispatcher and the manifest watcher in
    /// the same process on the in-memory bus. With it set, the ingress alone, over RabbitMQ.
    /// </summary>
    public static WebApplicationBuilder AddStandalone(this WebApplicationBuilder builder)
    {
        if (BusOptions.UsesRabbitMqIn(builder.Configuration))
        {
            return builder.AddIngress();
        }

        return builder.AddIngress(alongside: services =>
        {
            services.AddDispatcher();
            services.AddManifestWatcher();
        });
    }
}
