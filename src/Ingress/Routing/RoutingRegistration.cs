using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

internal static class RoutingRegistration
{
    /// <summary>
    /// Endpoint choice and routing over the broker: the endpoints' health, the dispatchers heard
    /// from, the attempts waited on, the queue watch, and the consumers of the dispatchers' answers
    /// on this replica's own queue; the endpoint list's route is <see cref="EndpointsApi.MapEndpointList"/>.
    /// </summary>
    public static IHostApplicationBuilder AddRequestRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DispatcherRegistry>();
        builder.Services.AddSingleton<EndpointHealth>();
        builder.Services.AddSingleton<OutstandingRequests>();
        builder.Services.AddSingleton<PendingAttempts>();
        builder.Services.AddSingleton<EndpointSelector>();
        builder.Services.AddSingleton<IEndpointSelector>(sp => sp.GetRequiredService<EndpointSelector>());
        builder.Services.AddSingleton<AttemptSender>();
        builder.Services.AddSingleton<DetachedSends>();
        builder.Services.AddSingleton<CompletionRouter>();
        builder.Services.AddSingleton<ICompletionRouter>(sp => sp.GetRequiredService<CompletionRouter>());
        builder.Services.AddSingleton<EndpointQueues>();
        builder.Services.AddSingleton<EndpointView>();
        builder.Services.AddSingleton<QueueFullObserver>();
        builder.Services.AddHostedService<QueueWatch>();
        builder.Services.AddHostedService<RoutingGauges>();
        builder.Services.AddHostedService<DispatcherDiscovery>();
        builder.AddBusModule<RoutingBusModule>();
        return builder;
    }

    private sealed class RoutingBusModule : IGatewayBusModule
    {
        public void AddConsumers(IBusRegistrationConfigurator bus)
        {
            bus.AddConsumer<DispatcherHeartbeatConsumer>();
            bus.AddConsumer<DispatcherStoppedConsumer>();
            bus.AddConsumer<CompletionAcceptedConsumer>();
            bus.AddConsumer<AttemptStillWantedConsumer>();
            bus.AddConsumer<CompletionResultConsumer>();
            bus.AddConsumer<CompletionChunkConsumer>();
            bus.AddConsumer<CompletionChunksConsumer>();
            bus.AddConsumer<CompletionFaultConsumer>();
            bus.AddConsumer<EndpointHealthChangedConsumer>();
        }

        public void ConfigureEndpoints(IBusRegistrationContext context, IBusFactoryConfigurator bus) =>
            bus.ConnectSendObserver(context.GetRequiredService<QueueFullObserver>());

        public void ConfigureInstanceEndpoint(IBusRegistrationContext context, IReceiveEndpointConfigurator endpoint)
        {
            endpoint.ConfigureConsumer<DispatcherHeartbeatConsumer>(context);
            endpoint.ConfigureConsumer<DispatcherStoppedConsumer>(context);
            endpoint.ConfigureConsumer<CompletionAcceptedConsumer>(context);
            endpoint.ConfigureConsumer<AttemptStillWantedConsumer>(context);
            endpoint.ConfigureConsumer<CompletionResultConsumer>(context);
            endpoint.ConfigureConsumer<CompletionChunkConsumer>(context);
            endpoint.ConfigureConsumer<CompletionChunksConsumer>(context);
            endpoint.ConfigureConsumer<CompletionFaultConsumer>(context);
            endpoint.ConfigureConsumer<EndpointHealthChangedConsumer>(context);
        }
    }
}
