using System.Diagnostics;
using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// What an operator's Prometheus, tracer and orchestrator see of a standalone gateway: the GenAI and
/// gateway metrics at <c>/metrics</c> after real requests, a caller's trace continued to the
/// upstream, and the health probes — with no credential anywhere in them.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private FakeAnthropicServer _anthropic = null!;
    private StandaloneIngressFactory _gateway = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeAnthropicServer.StartNewAsync();
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", _anthropic.BaseUrl.ToString(), "claude-telemetry", ["claude-telemetry-model"]);
        claude["api"] = "anthropic";
        _gateway = await StandaloneIngressFactory.CreateAsync(
            new() { ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{StandaloneIngressFactory.UpstreamKey}}", "claude-telemetry": "sk-ant-telemetry-0123456789"}""" },
            claude);
        await _gateway.CreateReadyClientAsync();
    }

    [Fact]
    public async Task Metrics_CountTheRequests_InTheGenAiConventionsAndTheGatewaysOwn_WithoutSecrets()
    {
        var token = TestTokens.Issue();
        var client = _gateway.CreateClient(token);
        var plain = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"claude-telemetry-model","messages":[{"role":"user","content":"count me"}]}"""));
        var streamed = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"claude-telemetry-model","stream":true,"messages":[{"role":"user","content":"stream me"}]}"""));
        await streamed.Content.ReadAsStringAsync();
        var refused = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"no-such-model","messages":[{"role":"user","content":"x"}]}"""));

        var metrics = await _gateway.CreateClient().GetStringAsync("/metrics");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound), (plain.StatusCode, streamed.StatusCode, refused.StatusCode));
        var requests = Lines(metrics, "brokergateway_requests_total{", "gen_ai_request_model=\"claude-telemetry-model\"");
        Assert.Equal(2, requests.Where(l => l.Contains("status=\"200\"", StringComparison.Ordinal) && l.Contains("endpoint=\"claude-telemetry\"", StringComparison.Ordinal)).Sum(Value));
        var tokens = Lines(metrics, "gen_ai_client_token_usage_sum{", "gen_ai_request_model=\"claude-telemetry-model\"");
        Assert.Equal(2 * (FakeAnthropicServer.InputTokens + FakeAnthropicServer.CacheReadTokens + FakeAnthropicServer.CacheWriteTokens), tokens.Where(l => l.Contains("gen_ai_token_type=\"input\"", StringComparison.Ordinal)).Sum(Value));
        Assert.Equal(2 * FakeAnthropicServer.OutputTokens, tokens.Where(l => l.Contains("gen_ai_token_type=\"output\"", StringComparison.Ordinal)).Sum(Value));
        Assert.Equal(2, Lines(metrics, "gen_ai_server_request_duration_seconds_count{", "gen_ai_request_model=\"claude-telemetry-model\"").Sum(Value));
        Assert.Equal(1, Lines(metrics, "gen_ai_server_time_to_first_token_seconds_count{", "gen_ai_request_model=\"claude-telemetry-model\"").Sum(Value));
        Assert.True(Lines(metrics, "brokergateway_refusals_total{", "code=\"model_not_found\"").Sum(Value) >= 1);
        Assert.Equal(1, Lines(metrics, "brokergateway_endpoint_healthy{", "endpoint=\"claude-telemetry\"").Sum(Value));
        Assert.True(Lines(metrics, "brokergateway_attempts_total{", "endpoint=\"claude-telemetry\"").Sum(Value) >= 2);
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("messaging_masstransit_", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-telemetry", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(token, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("count me", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallersTrace_IsContinuedToTheUpstream()
    {
        var trace = ActivityTraceId.CreateRandom();
        var answered = await ChatInTraceAsync(trace, "trace me");

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var sent = Assert.Single(_anthropic.Received, r => r.Body.Contains("trace me", StringComparison.Ordinal));
        Assert.Matches($"^00-{trace}-[0-9a-f]{{16}}-01$", sent.Header("traceparent"));
    }

    [Fact]
    public async Task ARequest_IsTwoSpans_TheIngressesWithItsGenAiAttributes_AndTheUpstreamCall_WhichTheUpstreamContinues()
    {
        var trace = ActivityTraceId.CreateRandom();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            // Not System.Net.Http's source: listening to it would make HttpClient spans the gateway does not make.
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "BrokerGateway",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.TraceId == trace)
                {
                    spans.Enqueue(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var answered = await ChatInTraceAsync(trace, "two spans");

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        // The fake upstream is an ASP.NET Core server in this process too: its span is the third of the trace.
        await Eventually.Until(() => spans.Count >= 3, TimeSpan.FromSeconds(10), "the request's spans ended");
        var ingress = Assert.Single(spans, s => s.DisplayName == "POST /v1/chat/completions");
        var call = Assert.Single(spans, s => s.Kind == ActivityKind.Client);
        var atUpstream = Assert.Single(spans, s => s != ingress && s.Kind == ActivityKind.Server);
        Assert.Equal(3, spans.Count);
        Assert.Equal(call.SpanId, atUpstream.ParentSpanId);
        Assert.Equal(("chat", "claude-telemetry-model", "claude-telemetry"),
            (ingress.GetTagItem("gen_ai.operation.name"), ingress.GetTagItem("gen_ai.request.model"), ingress.GetTagItem("brokergateway.endpoint")));
        Assert.True(ingress.GetTagItem("gen_ai.usage.output_tokens") is int output && output > 0);
        // The HTTP conventions' attributes, which ASP.NET Core puts on its span itself.
        Assert.Equal(("POST", "/v1/chat/completions", "/v1/chat/completions"),
            (ingress.GetTagItem("http.request.method"), ingress.GetTagItem("url.path"), ingress.GetTagItem("http.route")));
        Assert.Equal(("call claude-telemetry", ingress.SpanId), (call.DisplayName, call.ParentSpanId));
        var sent = Assert.Single(_anthropic.Received, r => r.Body.Contains("two spans", StringComparison.Ordinal));
        Assert.Equal($"00-{trace}-{call.SpanId}-01", sent.Header("traceparent"));
    }

    [Fact]
    public async Task TheProbes_SayLiveAndReady_WithEachCheck()
    {
        var client = _gateway.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");
        var old = await client.GetAsync("/health");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode, old.StatusCode));
        var checks = (await Json.ReadAsync(ready)).GetProperty("checks");
        Assert.All(["broker", "manifest", "database"], name => Assert.Equal("healthy", checks.GetProperty(name).GetProperty("status").GetString()));
    }

    [Fact]
    public async Task WithoutAManifest_TheGatewayIsLiveButNotReady()
    {
        await using var waiting = await StandaloneIngressFactory.CreateAsync(new() { ["METIS_STATUS_URL"] = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json") });
        var client = waiting.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable), (live.StatusCode, ready.StatusCode));
        var report = await Json.ReadAsync(ready);
        Assert.Equal(("unhealthy", "unhealthy"), (report.GetProperty("status").GetString(), report.GetProperty("checks").GetProperty("manifest").GetProperty("status").GetString()));
    }

    /// <summary>A chat request whose caller's span is in <paramref name="trace"/> (a <c>traceparent</c> header).</summary>
    private async Task<HttpResponseMessage> ChatInTraceAsync(ActivityTraceId trace, string content)
    {
        var client = _gateway.CreateClient(TestTokens.Issue());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"claude-telemetry-model","messages":[{"role":"user","content":"{{content}}"}]}"""),
        };
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        return await client.SendAsync(request);
    }

    private static List<string> Lines(string metrics, string prefix, string label) =>
        metrics.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal)).ToList();

    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _anthropic.DisposeAsync();
    }
}
