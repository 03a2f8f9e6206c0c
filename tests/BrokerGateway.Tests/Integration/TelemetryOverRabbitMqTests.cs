using System.Diagnostics;
using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The three services as OS processes over a real RabbitMQ: a caller's trace crosses the broker to
/// the upstream, the dispatcher and the watcher each answer <c>/metrics</c> and the health probes on
/// their own port, their only HTTP listener, and no key shows in any of them.
/// </summary>
public class TelemetryOverRabbitMqTests
{
    [SkippableFact]
    public async Task TheTraceCrossesTheBroker_AndEveryProcessCanBeScrapedAndProbed()
    {
        await using var broker = await Broker.AcquireAsync();
        await using var anthropic = await FakeAnthropicServer.StartNewAsync();
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", anthropic.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5"]);
        claude["api"] = "anthropic";
        using var manifest = new TestManifest(claude);
        var (port, dispatcherPort, watcherPort) = (ServiceProcess.FreePort(), ServiceProcess.FreePort(), ServiceProcess.FreePort());
        var shared = new Dictionary<string, string> { ["RABBITMQ_URL"] = broker.AmqpUrl, ["DOTNET_ENVIRONMENT"] = "Production" };
        using var watcher = ServiceProcess.Start("ManifestWatcher", new Dictionary<string, string>(shared) { ["METIS_STATUS_URL"] = manifest.Path, ["WATCHER_METRICS_PORT"] = $"{watcherPort}" });
        using var dispatcher = ServiceProcess.Start("Dispatcher", new Dictionary<string, string>(shared)
        {
            ["METIS_API_TOKENS"] = """{"claude-endpoint": "sk-ant-process-0123456789"}""",
            ["DISPATCHER_METRICS_PORT"] = $"{dispatcherPort}",
        });
        using var ingress = ServiceProcess.Start("Ingress", new Dictionary<string, string>(shared)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Auth__Jwt__SigningKey"] = TestTokens.SigningKey,
            ["Auth__Jwt__Issuer"] = TestTokens.Issuer,
            ["Auth__Jwt__Audience"] = TestTokens.Audience,
            ["Usage__SqlitePath"] = Path.Combine(Path.GetDirectoryName(manifest.Path)!, "usage.db"),
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue());
        var ready = await Eventually.Until(
            async () =>
            {
                Assert.False(ingress.HasExited || dispatcher.HasExited || watcher.HasExited, ingress.Error + dispatcher.Error + watcher.Error);
                try
                {
                    return (await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"ready?"}]}"""))).StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            },
            s => s == HttpStatusCode.OK,
            timeout: TimeSpan.FromSeconds(60),
            what: "three processes serve a chat completion");

        // Once the stack serves, one request with a caller's trace, written by hand over a socket:
        // an HttpClient of this process would have its traceparent replaced by the test process's
        // own tracing (the in-process gateways of other tests listen to HttpClient's activities).
        var trace = ActivityTraceId.CreateRandom();
        var body = """{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"trace me over the broker"}]}""";
        var answered = await RawHttp.ExchangeAsync(client.BaseAddress!,
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TestTokens.Issue()}\r\nContent-Type: application/json\r\n"
            + $"traceparent: 00-{trace}-{ActivitySpanId.CreateRandom()}-01\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");

        Assert.Equal((HttpStatusCode.OK, 200), (ready, RawHttp.Status(answered)));
        var sent = Assert.Single(anthropic.Received, r => r.Body.Contains("trace me over the broker", StringComparison.Ordinal));
        Assert.True(
            System.Text.RegularExpressions.Regex.IsMatch(sent.Header("traceparent") ?? string.Empty, $"^00-{trace}-[0-9a-f]{{16}}-01$"),
            $"the upstream got traceparent '{sent.Header("traceparent")}' for the caller's trace {trace}; the dispatcher said:\n{dispatcher.Output}{dispatcher.Error}");
        using var probe = new HttpClient();
        var dispatcherMetrics = await probe.GetStringAsync($"http://127.0.0.1:{dispatcherPort}/metrics");
        Assert.Contains("brokergateway_upstream_duration_seconds_count{", dispatcherMetrics, StringComparison.Ordinal);
        Assert.Contains("endpoint=\"claude-endpoint\"", dispatcherMetrics, StringComparison.Ordinal);
        Assert.Contains("messaging_masstransit_receive", dispatcherMetrics, StringComparison.Ordinal);

        // The calls in flight by endpoint: none now that every answer is in, and the series still there.
        Assert.Matches("(?m)^brokergateway_dispatcher_calls\\{[^}]*endpoint=\"claude-endpoint\"[^}]*\\} 0$", dispatcherMetrics);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync($"http://127.0.0.1:{dispatcherPort}/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync($"http://127.0.0.1:{watcherPort}/health/ready")).StatusCode);
        Assert.Contains("dotnet_gc_", await probe.GetStringAsync($"http://127.0.0.1:{watcherPort}/metrics"), StringComparison.Ordinal);
        var ingressMetrics = await client.GetStringAsync("/metrics");
        Assert.Contains("gen_ai_request_model=\"claude-sonnet-4-5\"", ingressMetrics, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-process", dispatcherMetrics + ingressMetrics + dispatcher.Output + dispatcher.Error, StringComparison.Ordinal);
    }
}
