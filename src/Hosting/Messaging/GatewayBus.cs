using BrokerGateway.Hosting.Configuration;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Messaging;

public static class GatewayBus
{
    /// <summary>Adds a module to the process's bus; a module type is added once however often it is asked for.</summary>
    public static IHostApplicationBuilder AddBusModule<TModule>(this IHostApplicationBuilder builder)
        where TModule : IGatewayBusModule, new()
    {
        var modules = Modules(builder);
        if (!modules.Any(m => m is TModule))
        {
            modules.Add(new TModule());
        }

        return builder;
    }

    /// <summary>
    /// Runs one MassTransit bus with every module added before: over RabbitMQ when
    /// <c>RABBITMQ_URL</c> is set, else in memory. A service that is useless without a broker
    /// (a dispatcher or watcher in its own process) passes <paramref name="requireBroker"/>.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayBus(this IHostApplicationBuilder builder, bool requireBroker = false)
    {
        var usesRabbitMq = BusOptions.UsesRabbitMqIn(builder.Configuration);
        builder.Services.AddSingleton<IValidateOptions<BusOptions>>(new BusOptionsValidator(requireBroker));
        builder.AddBrokerServices();
        var modules = Modules(builder).ToArray();
        var instanceQueue = $"bg-instance-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}";

        // The one BrokerConnection everybody asks (MassTransit's own registration would make a second).
        builder.Services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<BrokerConnection>());
        builder.Services.AddMassTransit(bus =>
        {
            foreach (var module in modules)
            {
                module.AddConsumers(bus);
            }

            if (usesRabbitMq)
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    var text = context.GetRequiredService<IOptions<BusOptions>>().Value.RabbitMqUrl;
                    if (!BrokerAddress.TryParse(text, out var address))
                    {
                        throw new OptionsValidationException(BusOptions.RabbitMqUrlKey, typeof(BusOptions), [$"{BusOptions.RabbitMqUrlKey}: is not an amqp URL"]);
                    }

                    cfg.Host(address.Url, h =>
                    {
                        // A broker that vanished without closing the connection is noticed within two
                        // heartbeats rather than the client's default of two minutes.
                        h.Heartbeat(BrokerHeartbeat);

                        // A cluster: connect to whichever node answers, and to another when it goes.
                        if (address.IsCluster)
                        {
                            h.UseCluster(cluster =>
                            {
                                foreach (var node in address.Nodes)
                                {
                                    cluster.Node(node.ToString());
                                }
                            });
                        }
                    });
                    if (!ReconnectPolicy.TryApply(cfg))
                    {
                        context.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayBus)).LogWarning(
                            "This MassTransit version does not let the reconnection interval be set: after a broker outage, queues come back with its own back-off (up to 30 s)");
                    }

                    Configure(context, cfg, modules, instanceQueue, RabbitMqInstanceConcurrency);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) => Configure(context, cfg, modules, instanceQueue, InMemoryInstanceConcurrency));
            }
        });
        // After MassTransit's hosted service: it starts once the bus has.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BusStarted>());
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    /// <summary>
    /// What a service's parts use of the broker besides the bus itself: the bus options, this
    /// process's own queue, the connection state and the queue inspector. Added once however often
    /// it is asked for (a dispatcher's consumer under a test harness needs them without the bus).
    /// </summary>
    public static IHostApplicationBuilder AddBrokerServices(this IHostApplicationBuilder builder)
    {
        if (builder.Properties.TryAdd(typeof(BrokerConnection), true))
        {
            builder.Services.AddSingleton<InstanceEndpoint>();
            builder.Services.AddSingleton<BrokerConnection>();
            builder.Services.AddSingleton<BrokerAdmin>();
            builder.Services.AddSingleton<BusStarted>();
            builder.Services.AddOptions<BusOptions>()
                .BindRoot()
                .ValidateOnStart();
        }

        return builder;
    }

    /// <summary>How often the AMQP connection is checked for life (RabbitMQ's own heartbeat).</summary>
    public static readonly TimeSpan BrokerHeartbeat = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Messages of this process's own queue handled at once over RabbitMQ. Answers for every request
    /// in flight arrive there and handling one is a dictionary look-up, so many are taken at once:
    /// the prefetch keeps the broker's deliveries flowing.
    /// </summary>
    public const int RabbitMqInstanceConcurrency = 512;

    /// <summary>
    /// The same on the in-memory bus, where there is no prefetch to keep full and each idle slot
    /// costs: MassTransit's in-memory transport runs a reader per slot, and every message wakes all
    /// idle readers (one takes it, the others allocate a new wait and sleep again). At 512 slots
    /// that was about 45 KB and 0.1 ms of CPU per request in a standalone gateway. Every consumer
    /// of this queue finishes without waiting on anything slow, so a few slots keep up.
    /// </summary>
    public const int InMemoryInstanceConcurrency = 8;

    private static void Configure(IBusRegistrationContext context, IBusFactoryConfigurator cfg, IGatewayBusModule[] modules, string instanceQueue, int concurrency)
    {
        cfg.ReceiveEndpoint(instanceQueue, endpoint =>
        {
            endpoint.ConfigureConsumeTopology = true;
            endpoint.PrefetchCount = concurrency;
            endpoint.ConcurrentMessageLimit = concurrency;
            if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.AutoDelete = true;
                rabbit.Durable = false;
            }

            context.GetRequiredService<InstanceEndpoint>().Set(endpoint.InputAddress);
            foreach (var module in modules)
            {
                module.ConfigureInstanceEndpoint(context, endpoint);
            }
        });

        foreach (var module in modules)
        {
            module.ConfigureEndpoints(context, cfg);
        }
    }

    private static List<IGatewayBusModule> Modules(IHostApplicationBuilder builder)
    {
        if (!builder.Properties.TryGetValue(typeof(GatewayBus), out var value))
        {
            value = new List<IGatewayBusModule>();
            builder.Properties[typeof(GatewayBus)] = value;
        }

        return (List<IGatewayBusModule>)value;
    }
}
