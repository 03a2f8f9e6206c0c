using System.Collections.Concurrent;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Tests.Infrastructure;
using MassTransit;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Dispatcher.Endpoints;

public sealed class EndpointQueueConnectorTests
{
    [Fact]
    public async Task A_queue_whose_connection_faults_midway_is_connected_afresh_and_then_served()
    {
        // The broker goes away while the dispatcher connects an endpoint's queue: the handle reports
        // the fault. Connecting the same queue again without removing the first would be refused,
        // so the endpoint would never be consumed nor announced.
        await using var gateway = await StandaloneIngressFactory.CreateAsync();
        var queue = QueueNames.ForEndpoint("fake-endpoint");
        var connector = new FaultOnceConnector(queue);
        using var factory = gateway.WithWebHostBuilder(web => web.ConfigureTestServices(connector.Install));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue());

        var endpoint = await Eventually.Until(
            async () => (await Json.ReadAsync(await client.GetAsync("/v1/endpoints"))).GetProperty("data").EnumerateArray()
                .Single(e => e.GetProperty("endpoint_id").GetString() == "fake-endpoint"),
            e => e.GetProperty("dispatcher_consuming").GetBoolean(),
            timeout: TimeSpan.FromSeconds(30),
            what: "the fake endpoint is consumed after its queue's failed connection");

        Assert.Equal(1, endpoint.GetProperty("dispatchers").GetInt32());
        var answer = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Equal(2, connector.Connects(queue));
        Assert.Equal(1, connector.Connects(QueueNames.ForEndpointBatch("fake-endpoint")));
    }

    /// <summary>Connects queues as MassTransit does, but the first connection of one queue reports a broker fault once it has started, as when the broker goes away at that moment.</summary>
    private sealed class FaultOnceConnector(string faultyQueue)
    {
        private readonly ConcurrentDictionary<string, int> _connects = new(StringComparer.Ordinal);

        public int Connects(string queue) => _connects.GetValueOrDefault(queue);

        public void Install(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IReceiveEndpointConnector));
            services.Remove(original);
            services.AddSingleton<IReceiveEndpointConnector>(provider => new Connector(this, (IReceiveEndpointConnector)Create(original, provider)));
        }

        private static object Create(ServiceDescriptor descriptor, IServiceProvider provider) =>
            descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);

        private HostReceiveEndpointHandle Counted(string queue, HostReceiveEndpointHandle handle) =>
            _connects.AddOrUpdate(queue, 1, (_, n) => n + 1) == 1 && queue == faultyQueue ? new FaultedHandle(handle) : handle;

        private sealed class Connector(FaultOnceConnector owner, IReceiveEndpointConnector inner) : IReceiveEndpointConnector
        {
            public HostReceiveEndpointHandle ConnectReceiveEndpoint(
                IEndpointDefinition definition, IEndpointNameFormatter? endpointNameFormatter = null, Action<IBusRegistrationContext, IReceiveEndpointConfigurator>? configureEndpoint = null) =>
                inner.ConnectReceiveEndpoint(definition, endpointNameFormatter, configureEndpoint);

            public HostReceiveEndpointHandle ConnectReceiveEndpoint(string queueName, Action<IBusRegistrationContext, IReceiveEndpointConfigurator> configureEndpoint) =>
                owner.Counted(queueName, inner.ConnectReceiveEndpoint(queueName, configureEndpoint));
        }

        private sealed class FaultedHandle(HostReceiveEndpointHandle inner) : HostReceiveEndpointHandle
        {
            public IReceiveEndpoint ReceiveEndpoint => inner.ReceiveEndpoint;

            public Task<ReceiveEndpointReady> Ready { get; } = FaultOnceStarted(inner.Ready);

            public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

            private static async Task<ReceiveEndpointReady> FaultOnceStarted(Task<ReceiveEndpointReady> ready)
            {
                await ready;
                throw new MassTransitException("The broker went away (test)");
            }
        }
    }
}
