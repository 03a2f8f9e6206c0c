using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.Dispatcher.Mock;
using BrokerGateway.Dispatcher.Upstream;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher;

public static class DispatcherRegistration
{
    /// <summary>
    /// The dispatcher's options: its flat keys bound by the framework (the concurrency's default
    /// depends on the transport), <c>METIS_API_TOKENS</c> read by <see cref="DispatcherOptionsSetup"/>,
    /// all of it validated at start.
    /// </summary>
    internal static IServiceCollection AddDispatcherOptions(this IServiceCollection services)
    {
        services.AddOptions<DispatcherOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (!BusOptions.UsesRabbitMqIn(configuration))
                {
                    options.Concurrency = DispatcherOptions.InMemoryConcurrency;
                }
            })
            .BindRoot()
            .ValidateOnStart();
        services.AddSingleton<IConfigureOptions<DispatcherOptions>, DispatcherOptionsSetup>();
        services.AddSingleton<IValidateOptions<DispatcherOptions>, DispatcherOptionsValidator>();
        return services;
    }

    /// <summary>Adds a dispatcher: its keys, the upstream client, the mock provider and the endpoint queues it consumes.</summary>
    public static IHostApplicationBuilder AddDispatcher(this IHostApplicationBuilder builder)
    {
        builder.AddManifestReplica();
        builder.AddBrokerServices();
        builder.Services.AddDispatcherOptions();

        builder.Services.AddHttpClient(UpstreamClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                ConnectTimeout = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<DispatcherOptions>>().Value.ConnectTimeoutSeconds),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                EnableMultipleHttp2Connections = true,

                // A call given up on (the caller left, a stream cut off) closes its connection at
                // once, so the upstream stops generating; it is not read on to reuse the connection.
                MaxResponseDrainSize = 0,

                // The call's trace context is put on each request by the dispatcher (see CallSpanPropagation).
                ActivityHeadersPropagator = null,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        builder.Services.AddSingleton<UpstreamClient>();
        builder.Services.AddSingleton<Dialects.OpenAiDialect>();
        builder.Services.AddSingleton<Dialects.AzureDialect>();
        builder.Services.AddSingleton<Dialects.Anthropic.AnthropicDialect>();
        builder.Services.AddSingleton<Dialects.UpstreamDialects>();
        builder.Services.AddSingleton<MockProvider>();
        builder.Services.AddSingleton<Streaming.EventStreamRelay>();
        builder.Services.AddSingleton<Streaming.ChunkOutbox>();
        builder.Services.AddSingleton<ServedEndpoints>();
        builder.Services.AddSingleton<ConsumedEndpoints>();
        builder.Services.AddSingleton<InFlightCalls>();
        builder.Services.AddSingleton<PriorityGates>();
        builder.Services.AddSingleton<DispatcherTelemetry>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Hosting.Telemetry.GatewayMetrics>();
        builder.Services.AddSingleton<DispatcherAnnouncer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DispatcherAnnouncer>());
        builder.Services.AddSingleton<EndpointQueueConnector>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EndpointQueueConnector>());
        builder.Services.AddHostedService<DispatcherDrain>();

        // The host waits for the drain (and a little more for the bus to stop).
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<DispatcherOptions>>((host, dispatcher) =>
        {
            var drain = OptionsBinding.ValueOrDefault(dispatcher).DrainSeconds;
            host.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(host.ShutdownTimeout.TotalSeconds, drain + 15));
        });
        return builder.AddBusModule<DispatcherBusModule>();
    }

    private sealed class DispatcherBusModule : IGatewayBusModule
    {
        public void AddConsumers(IBusRegistrationConfigurator bus)
        {
            bus.AddConsumer<SubmitCompletionConsumer, SubmitCompletionConsumerDefinition>();
            bus.AddConsumer<DispatcherAnnouncementRequestedConsumer>();
            bus.AddConsumer<CancelCompletionConsumer>();
        }

        public void ConfigureInstanceEndpoint(IBusRegistrationContext context, IReceiveEndpointConfigurator endpoint)
        {
            endpoint.ConfigureConsumer<DispatcherAnnouncementRequestedConsumer>(context);
            endpoint.ConfigureConsumer<CancelCompletionConsumer>(context);
        }
    }
}
