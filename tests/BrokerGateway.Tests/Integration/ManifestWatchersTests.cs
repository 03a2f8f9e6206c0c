using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BrokerGateway.Tests.Integration;

/// <summary>Two manifest watchers at once over a real RabbitMQ: a rolling restart, or a replica too many.</summary>
public sealed class ManifestWatchersTests
{
    [SkippableFact]
    public async Task ARollingRestartOfTwoWatchers_NeverHandsAServiceThatStartsAnOlderManifest()
    {
        await using var stack = await DistributedStack.CreateAsync();
        await stack.StartWatcherAsync();

        // A second watcher that reads its source once an hour: after its first read it learns of changes only from the other.
        var slow = await GatewayHosts.StartWatcherAsync(stack.Shared(new() { ["METIS_STATUS_URL"] = stack.Manifest.Path, ["METIS_POLL_SECONDS"] = "3600" }));
        try
        {
            await stack.StartDispatcherAsync();
            await stack.StartIngressAsync();
            var client = await stack.ReadyClientAsync("fake-model");

            // The source changes: the first watcher publishes it and the ingress serves it.
            stack.Manifest.Write(
                TestManifest.Entry("fake", stack.Upstream.BaseUrl.ToString(), "fake-endpoint", ["fresh-model"]),
                TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
            await Eventually.Until(
                () => stack.Ingress!.Services.GetRequiredService<ManifestStore>().Current!.Entries.Any(e => e.Experts.Contains("fresh-model")),
                TimeSpan.FromSeconds(30),
                "the ingress holds the changed manifest");

            // The first watcher goes, as in a rolling restart; an ingress that starts now asks the one left.
            await stack.Watcher!.StopAsync();
            await using var late = await GatewayHosts.StartIngressAsync(stack.Shared(new(TestTokens.Configuration)));
            var store = late.Services.GetRequiredService<ManifestStore>();
            await store.Loaded.WaitAsync(TimeSpan.FromSeconds(30));

            var models = store.Current!.Entries.SelectMany(e => e.Experts).ToList();
            Assert.Contains("fresh-model", models);
            Assert.DoesNotContain("fake-model", models);
            using var lateClient = late.CreateClient(TestTokens.Issue());
            var refused = await lateClient.PostAsync("/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}"""));
            Assert.Equal("model_not_found", await Json.ErrorCodeAsync(refused));
        }
        finally
        {
            await HostExtensions.StopAllAsync(slow);
        }
    }
}
