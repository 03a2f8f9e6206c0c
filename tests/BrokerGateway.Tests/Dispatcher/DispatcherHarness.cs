using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Dispatcher;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Dispatcher;

/// <summary>
/// A dispatcher's services on MassTransit's test harness, for unit-level consumer tests: its keys,
/// its instance address on the loopback, the <see cref="SubmitCompletionConsumer"/> (and whatever
/// else <paramref name="consumers"/> adds), a manifest of the given entries, and the harness started.
/// </summary>
internal static class DispatcherHarness
{
    public static readonly Uri Instance = new("loopback://localhost/dispatcher-instance");

    public static async Task<(IHost Host, ITestHarness Harness)> StartAsync(
        string apiTokens, IReadOnlyList<ManifestEntry> entries, TimeProvider? time = null, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["METIS_API_TOKENS"] = apiTokens });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddDispatcher();
        var instance = new InstanceEndpoint();
        instance.Set(Instance);
        builder.Services.AddSingleton(instance);
        builder.Services.AddMassTransitTestHarness(x =>
        {
            x.AddConsumer<SubmitCompletionConsumer, SubmitCompletionConsumerDefinition>();
            consumers?.Invoke(x);
        });
        var host = builder.Build();
        host.Services.GetRequiredService<ManifestStore>().Apply(new StatusManifest(entries));
        var harness = host.Services.GetTestHarness();
        await harness.Start();
        return (host, harness);
    }
}
