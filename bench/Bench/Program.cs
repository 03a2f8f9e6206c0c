using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Bench;

/// <summary>
/// Measures, for a fixed request count at concurrency 1 and 32, requests/s and p50/p90/p99 of
/// (a) the fake upstream called directly, (b) the gateway standalone, and (c) the gateway over
/// RabbitMQ as three processes, and prints one Markdown table with the ratios to (a).
/// Run it through <c>bench/run.sh</c>, which builds in Release and provides RabbitMQ.
/// </summary>
public sealed partial class Program
{
    private const string Body = """{"model":"bench-model","messages":[{"role":"user","content":"Hello from the benchmark"}],"max_tokens":16}""";
    private const string UpstreamKey = "sk-bench-upstream-key";
    private static readonly int[] Concurrencies = [1, 32];

    public static async Task<int> Main(string[] args)
    {
        var options = BenchOptions.Parse(args);
        var upstreamPort = ServiceProcess.FreePort();
        using var upstream = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{upstreamPort}", "--no-record");
        var upstreamUrl = new Uri($"http://127.0.0.1:{upstreamPort}/");
        var folder = Directory.CreateTempSubdirectory("bg-bench-").FullName;
        var manifest = Path.Combine(folder, "status.json");
        await File.WriteAllTextAsync(manifest, Manifest(("bench-endpoint", upstreamUrl)));

        // The failover scenario: two more fake upstreams, one of which can answer 500 to every other request.
        var steadyPort = ServiceProcess.FreePort();
        var flakyPort = ServiceProcess.FreePort();
        var pairManifest = Path.Combine(folder, "pair.json");
        await File.WriteAllTextAsync(pairManifest, Manifest(
            ("pair-steady", new Uri($"http://127.0.0.1:{steadyPort}/")), ("pair-flaky", new Uri($"http://127.0.0.1:{flakyPort}/"))));

        // The dialect scenario: a fake Anthropic upstream, to which the gateway translates OpenAI chat completions.
        var anthropicPort = ServiceProcess.FreePort();
        using var anthropic = options.Modes.Contains("standalone-anthropic") || options.Modes.Contains("direct-anthropic")
            ? ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{anthropicPort}", "--no-record", "--anthropic")
            : null;
        var anthropicManifest = Path.Combine(folder, "anthropic.json");
        var anthropicEvents = Math.Max(1, options.StreamEvents).ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(anthropicManifest,
            "{\"bench-anthropic\": {\"status\": \"Live\", \"model\": \"Fake Anthropic\", \"description\": \"benchmark target\", \"experts\": [\"bench-model\"], "
            + $"\"url\": \"http://127.0.0.1:{anthropicPort}/v1\", \"endpoint_id\": \"bench-endpoint\", \"api\": \"anthropic\", "
            + $"\"headers\": {{\"{FakeAnthropicServer.EventsHeader}\": \"{anthropicEvents}\"}}}}}}");

        // The telemetry scenario: a local OTLP sink, which (k) exports its traces to; its metrics are
        // scraped at /metrics (the default; --telemetry-env OTEL_METRICS_EXPORTER=prometheus,otlp pushes them too).
        var otlpSinkUrl = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}/");
        using var otlpSink = options.Modes.Contains("standalone-telemetry")
            ? ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", otlpSinkUrl.ToString().TrimEnd('/'), "--otlp-sink")
            : null;
        var telemetryOn = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpSinkUrl.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
        };
        foreach (var (key, value) in options.TelemetryEnvironment)
        {
            telemetryOn[key] = value;
        }


        var jwt = new JwtOptions { SigningKey = "benchmark-signing-key-0123456789abcdef-0123456789", Issuer = "bench", Audience = "brokergateway" };
        var token = TokenIssuer.Issue(jwt, "bench", [], TimeSpan.FromHours(2), TimeProvider.System);
        var rows = new List<ResultRow>();
        var streamRows = new List<StreamRow>();
        var batchRows = new List<(string Mode, BatchResult Result)>();
        var concurrentRows = new List<(string Mode, ConcurrentStreams Result)>();
        using var load = new LoadGenerator();
        using var probe = new StreamProbe();

        foreach (var (round, mode) in Enumerable.Range(1, options.Rounds).SelectMany(r => options.Modes.Select(m => (r, m))))
        {
            var ingressPort = ServiceProcess.FreePort();
            var ingress = Ingress(mode, ingressPort);
            using var pair = mode is "healthy-pair" or "flaky-pair"
                ? new PairOfUpstreams(steadyPort, flakyPort, failEvery: mode == "flaky-pair" ? 2 : null)
                : null;
            using var deployment = mode switch
            {
                "direct" => await Deployment.DirectAsync(upstreamUrl),
                "direct-anthropic" => await Deployment.DirectAnthropicAsync(new Uri($"http://127.0.0.1:{anthropicPort}/"), anthropicEvents),
                "standalone" => await Deployment.StandaloneAsync(Merge(ingress, Keys), ingressPort),
                "standalone-bare" => await Deployment.StandaloneAsync("(f) standalone, usage records and limits off", Merge(Merge(ingress, Keys), Bare), ingressPort),
                "standalone-quotas" => await Deployment.StandaloneAsync("(g) standalone, usage records and limits on", Merge(Merge(ingress, Keys), Quotas), ingressPort),
                "standalone-telemetry" => await Deployment.StandaloneAsync("(k) standalone, traces exported to a local OTLP sink, metrics scraped",
                    Merge(Merge(ingress, Keys), telemetryOn), ingressPort),
                "standalone-anthropic" => await Deployment.StandaloneAsync("(h) standalone, OpenAI chat to an Anthropic upstream (translated)",
                    Merge(Merge(ingress, Keys), new() { ["METIS_STATUS_URL"] = anthropicManifest }), ingressPort),
                "rabbitmq" => await DistributedAsync("(c) gateway over RabbitMQ, 3 processes", ingress, manifest, ingressPort),
                "rabbitmq-quorum" => await DistributedAsync("(l) over RabbitMQ, quorum queues", ingress, manifest, ingressPort, new() { ["RABBITMQ_QUEUE_TYPE"] = "quorum" }),
                "healthy-pair" => await DistributedAsync("(d) over RabbitMQ, 2 healthy endpoints", ingress, pairManifest, ingressPort),
                "flaky-pair" => await DistributedAsync("(e) over RabbitMQ, 1 of 2 endpoints fails half", ingress, pairManifest, ingressPort),
                _ => throw new ArgumentException($"unknown mode '{mode}'"),
            };
            var bearer = mode is "direct" or "direct-anthropic" ? null : token;
            (load.Headers, probe.Headers) = (deployment.Headers, deployment.Headers);
            await deployment.WaitUntilReadyAsync(Body, bearer);
            await load.WarmUpAsync(deployment.Url, Body, bearer, Concurrencies[^1], TimeSpan.FromSeconds(options.WarmupSeconds));
            foreach (var concurrency in Concurrencies)
            {
                await load.RunAsync(deployment.Url, Body, bearer, concurrency, options.Warmup);
                var requests = concurrency == 1 ? options.RequestsAtOne : options.RequestsAtThirtyTwo;
                var result = await load.RunAsync(deployment.Url, Body, bearer, concurrency, requests);
                var memory = deployment.Gateway.Sum(p => p.ResidentMegabytes);
                rows.Add(new ResultRow(deployment.Mode, concurrency, round, result, memory));
                await Console.Error.WriteLineAsync($"round {round}, {deployment.Mode} c={concurrency}: {result.RequestsPerSecond:0} req/s, p50 {result.P50:0.00} ms, {result.Failures} failures");
            }

            if (options.StreamEvents > 0 && mode is "direct" or "standalone" or "rabbitmq" or "standalone-anthropic" or "direct-anthropic")
            {
                // The Anthropic fake streams as many events as the manifest's header says every time: a few first events suffice there.
                var firstEvents = mode is "standalone-anthropic" or "direct-anthropic" ? 20 : options.RequestsAtOne / 5;
                await probe.FirstEventAsync(deployment.Url, bearer, Math.Min(firstEvents, options.Warmup / 4));
                var firstEvent = await probe.FirstEventAsync(deployment.Url, bearer, firstEvents);
                var (rate, events, ok) = await probe.OneStreamAsync(deployment.Url, bearer, options.StreamEvents, repeats: 5);
                streamRows.Add(new StreamRow(deployment.Mode, round, firstEvent, rate, events, ok));
                await Console.Error.WriteLineAsync($"round {round}, {deployment.Mode} streams: first event p50 {firstEvent.P50:0.00} ms, {rate:0} events/s in one stream of {events}");
            }

            if (options.StreamCounts.Count > 0 && mode is "direct" or "standalone" or "rabbitmq")
            {
                // Unmeasured at the largest count for the warm-up time (at least once), so connections and
                // threads are there and the JIT has optimised the relay's code (it is still tiering up after
                // one run: the first event takes twice as long then), then each count.
                var warming = Stopwatch.StartNew();
                do
                {
                    await probe.ConcurrentAsync(deployment.Url, bearer, options.StreamCounts.Max(), ConcurrentEvents, ConcurrentGapMs);
                }
                while (warming.Elapsed < TimeSpan.FromSeconds(options.WarmupSeconds));

                foreach (var count in options.StreamCounts)
                {
                    var streams = await probe.ConcurrentAsync(deployment.Url, bearer, count, ConcurrentEvents, ConcurrentGapMs);
                    concurrentRows.Add((deployment.Mode, streams));
                    await Console.Error.WriteLineAsync($"round {round}, {deployment.Mode} {count} streams at once: {streams.Completed} completed, first event p50 {streams.FirstEvent?.P50:0.0} ms, longest gap p99 {streams.LongestGap?.P99:0.0} ms, {streams.EventsPerSecond:0} events/s");
                }
            }

            if (options.BatchLines > 0 && mode is "standalone" or "rabbitmq")
            {
                using var batchProbe = new BatchProbe();
                var batch = await batchProbe.RunAsync(deployment.Url, token, load, Body, options.BatchLines, options.RequestsAtOne / 5);
                batchRows.Add((deployment.Mode, batch));
                await Console.Error.WriteLineAsync($"round {round}, {deployment.Mode} batch: {batch.Status}, {batch.LinesPerSecond:0} lines/s, interactive p50 {batch.IdleP50:0.00} ms idle, {batch.DuringP50:0.00} ms during");
            }
        }

        SideBySide.Outcome? pairs = null;
        if (options.QuotaPairs > 0 && options.Modes.Contains("standalone-quotas"))
        {
            var (barePort, quotaPort) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
            using var bare = await Deployment.StandaloneAsync("(f)", Merge(Merge(Ingress("pairs-bare", barePort), Keys), Bare), barePort);
            using var quotas = await Deployment.StandaloneAsync("(g)", Merge(Merge(Ingress("pairs-quotas", quotaPort), Keys), Quotas), quotaPort);
            pairs = await SideBySide.RunAsync(load, bare, quotas, Body, token, options.QuotaPairs, TimeSpan.FromSeconds(options.WarmupSeconds));
        }

        SideBySide.Outcome? telemetryPairs = null;
        if (options.TelemetryPairs > 0 && options.Modes.Contains("standalone-telemetry"))
        {
            var (offPort, onPort) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
            using var off = await Deployment.StandaloneAsync("(j) telemetry off", Merge(Merge(Ingress("pairs-telemetry-off", offPort), Keys), TelemetryOff), offPort);
            using var on = await Deployment.StandaloneAsync("(k) telemetry on", Merge(Merge(Ingress("pairs-telemetry-on", onPort), Keys), telemetryOn), onPort);
            using var scraper = new MetricsScraper(on.Url);
            telemetryPairs = await SideBySide.RunAsync(load, off, on, Body, token, options.TelemetryPairs, TimeSpan.FromSeconds(options.WarmupSeconds));
            await Console.Error.WriteLineAsync($"telemetry: {scraper.Scrapes} scrapes of /metrics, {scraper.Failures} failed; the OTLP sink received {await OtlpSinkReceivedAsync(otlpSinkUrl)}");
        }

        var neighbours = options.FairShareSeconds > 0 && options.Modes.Contains("rabbitmq")
            ? await NoisyNeighbourAsync(options, jwt, folder)
            : null;

        var burstRows = new List<BurstRow>();
        if (options.BurstCallers.Count > 0 && (options.Modes.Contains("direct") || options.Modes.Contains("rabbitmq")))
        {
            burstRows.AddRange(await BurstAsync(options, token, jwt, folder));
        }

        ResultTable.Print(rows, options.Rounds);
        ResultTable.PrintTranslation(rows, streamRows);
        ResultTable.PrintSideBySide("Quota overhead", pairs);
        ResultTable.PrintSideBySide("Telemetry overhead (traces exported to a local OTLP sink, /metrics scraped every 5 s)", telemetryPairs);
        ResultTable.PrintStreams(streamRows, options.StreamEvents);
        ResultTable.PrintConcurrentStreams(concurrentRows, ConcurrentEvents, ConcurrentGapMs, options.Rounds);
        ResultTable.PrintBatches(batchRows, options.BatchLines);
        ResultTable.PrintBursts(burstRows, options);
        ResultTable.PrintNeighbours(neighbours, options);
        return rows.Any(r => r.Result.Failures > 0) || streamRows.Any(r => r.FirstEvent.Failures > 0 || !r.Ok)
            || batchRows.Any(b => b.Result.Status != "completed" || b.Result.Failed > 0 || b.Result.InteractiveFailures > 0) || pairs?.Failures > 0 || telemetryPairs?.Failures > 0 ? 1 : 0;

        // The ingress settings of one set-up: its port, the shared JWT and manifest, its own usage database.
        Dictionary<string, string> Ingress(string mode, int port)
        {
            var ingress = new Dictionary<string, string>(Common)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Auth__Jwt__SigningKey"] = jwt.SigningKey!,
                ["Auth__Jwt__Issuer"] = jwt.Issuer!,
                ["Auth__Jwt__Audience"] = jwt.Audience!,
                ["METIS_STATUS_URL"] = manifest,
                ["Usage__SqlitePath"] = Path.Combine(folder, $"usage-{mode}.db"),
            };
            if (options.BatchPace is { } pace)
            {
                ingress["Batches__MaxLinesPerSecond"] = pace.ToString(CultureInfo.InvariantCulture);
            }

            return ingress;
        }
    }

    /// <summary>The concurrent streams: 100 events 20 ms apart, a model generating 50 tokens a second.</summary>
    private const int ConcurrentEvents = 100;
    private const int ConcurrentGapMs = 20;

    /// <summary>
    /// The burst: a fake upstream of its own that takes <c>--burst-latency-ms</c> for every answer,
    /// called directly and through the gateway over RabbitMQ with default settings. Each set-up is
    /// warmed up with quick requests (the upstream's delay overridden), then takes one unmeasured
    /// burst at the largest size, then one measured burst per size.
    /// </summary>
    private static readonly string[] BurstModes = ["direct", "rabbitmq"];

    private static async Task<List<BurstRow>> BurstAsync(BenchOptions options, string token, JwtOptions jwt, string folder)
    {
        var port = ServiceProcess.FreePort();
        using var upstream = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests",
            "--urls", $"http://127.0.0.1:{port}", "--no-record", "--delay-ms", options.BurstLatencyMs.ToString(CultureInfo.InvariantCulture));
        var upstreamUrl = new Uri($"http://127.0.0.1:{port}/");
        var manifest = Path.Combine(folder, "burst.json");
        await File.WriteAllTextAsync(manifest, Manifest(("bench-endpoint", upstreamUrl)));
        var rows = new List<BurstRow>();
        using var burst = new BurstProbe();
        using var load = new LoadGenerator();
        foreach (var mode in BurstModes.Where(options.Modes.Contains))
        {
            var ingressPort = ServiceProcess.FreePort();
            var ingress = new Dictionary<string, string>(Common)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ingressPort}",
                ["Auth__Jwt__SigningKey"] = jwt.SigningKey!,
                ["Auth__Jwt__Issuer"] = jwt.Issuer!,
                ["Auth__Jwt__Audience"] = jwt.Audience!,
                ["Usage__SqlitePath"] = Path.Combine(folder, "usage-burst.db"),
            };
            using var deployment = mode == "direct"
                ? await Deployment.DirectAsync(upstreamUrl)
                : await DistributedAsync("(c) gateway over RabbitMQ, 3 processes", ingress, manifest, ingressPort);
            var bearer = mode == "direct" ? null : token;
            await deployment.WaitUntilReadyAsync(BurstProbe.Body(0), bearer);
            await load.WarmUpAsync(deployment.Url, BurstProbe.Body(0), bearer, 32, TimeSpan.FromSeconds(options.WarmupSeconds));
            await burst.RunAsync(deployment.Url, bearer, options.BurstCallers.Max(), 1, BurstProbe.Body());
            foreach (var callers in options.BurstCallers)
            {
                var result = await burst.RunAsync(deployment.Url, bearer, callers, options.BurstRequests, BurstProbe.Body());
                var peaks = deployment.Gateway.Select(p => (p.Name, p.PeakResidentMegabytes)).ToList();
                rows.Add(new BurstRow(deployment.Mode, callers, result, peaks));
                await Console.Error.WriteLineAsync($"burst, {deployment.Mode}, {callers} callers: {result.Requests - result.Failures} of {result.Requests} answered, p50 {result.P50:0} ms, p99 {result.P99:0} ms");
            }
        }

        return rows;
    }

    private static readonly Dictionary<string, string> Common = new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Serilog__MinimumLevel__Default"] = "Warning",
    };

    private static readonly Dictionary<string, string> Keys = new()
    {
        ["METIS_API_TOKENS"] = $$"""{"bench-endpoint": "{{UpstreamKey}}", "pair-steady": "{{UpstreamKey}}", "pair-flaky": "{{UpstreamKey}}"}""",
    };

    private static async Task<Deployment> DistributedAsync(
        string name, Dictionary<string, string> ingress, string manifest, int ingressPort, Dictionary<string, string>? dispatcherToo = null)
    {
        var broker = await FreshVirtualHostAsync();
        var watcher = Merge(Common, new() { ["RABBITMQ_URL"] = broker, ["METIS_STATUS_URL"] = manifest });
        var dispatcher = Merge(Merge(Merge(Common, Keys), dispatcherToo ?? []), new() { ["RABBITMQ_URL"] = broker });
        return await Deployment.DistributedAsync(name, watcher, dispatcher, Merge(ingress, new() { ["RABBITMQ_URL"] = broker }), ingressPort);
    }

    private static string Manifest(params (string EndpointId, Uri Upstream)[] endpoints) =>
        "{" + string.Join(",", endpoints.Select(e => $$"""
            "{{e.EndpointId}}": {"status": "Live", "model": "Fake upstream", "description": "benchmark target", "experts": ["bench-model"],
                                 "url": "{{e.Upstream}}v1", "endpoint_id": "{{e.EndpointId}}"}
            """)) + "}";

    /// <summary>The two fake upstreams of the failover scenario, each its own process.</summary>
    private sealed class PairOfUpstreams : IDisposable
    {
        private readonly ServiceProcess _steady;
        private readonly ServiceProcess _flaky;

        public PairOfUpstreams(int steadyPort, int flakyPort, int? failEvery)
        {
            _steady = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", "--urls", $"http://127.0.0.1:{steadyPort}", "--no-record");
            string[] flakyArgs = failEvery is { } every
                ? ["--urls", $"http://127.0.0.1:{flakyPort}", "--no-record", "--fail-every", every.ToString(CultureInfo.InvariantCulture)]
                : ["--urls", $"http://127.0.0.1:{flakyPort}", "--no-record"];
            _flaky = ServiceProcess.Start("FakeUpstream", new Dictionary<string, string>(), "tests", flakyArgs);
        }

        public void Dispose()
        {
            _steady.Dispose();
            _flaky.Dispose();
        }
    }

    /// <summary>Makes an empty virtual host for the run, so nothing left by earlier runs is in the way.</summary>
    private static async Task<string> FreshVirtualHostAsync()
    {
        var amqp = new Uri(Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? throw new InvalidOperationException("RABBITMQ_URL is not set; run bench/run.sh"));
        var management = new Uri(Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_URL") ?? $"http://{amqp.UserInfo}@{amqp.Host}:15672/");
        using var client = new HttpClient { BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority)) };
        var credentials = Uri.UnescapeDataString(management.UserInfo);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        const string vhost = "brokergateway-bench";
        await client.DeleteAsync($"/api/vhosts/{vhost}");
        (await client.PutAsync($"/api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await client.PutAsync($"/api/permissions/{vhost}/{Uri.EscapeDataString(credentials.Split(':')[0])}", permissions)).EnsureSuccessStatusCode();
        return new UriBuilder(amqp) { Path = "/" + vhost }.Uri.ToString();
    }

    /// <summary>No usage records, no limits: the baseline of the quota overhead.</summary>
    private static readonly Dictionary<string, string> Bare = new() { ["Usage__Enabled"] = "false" };

    /// <summary>OpenTelemetry's own switch: no metrics, no traces (the gateway's instruments then have no listener).</summary>
    private static readonly Dictionary<string, string> TelemetryOff = new() { ["OTEL_SDK_DISABLED"] = "true" };

    private static async Task<string> OtlpSinkReceivedAsync(Uri sink)
    {
        using var client = new HttpClient();
        try
        {
            return await client.GetStringAsync(new Uri(sink, "received"));
        }
        catch (HttpRequestException ex)
        {
            return $"(the sink did not answer: {ex.Message})";
        }
    }

    /// <summary>Usage records on, and rate limits and budgets too high to trigger: what checking them costs.</summary>
    private static readonly Dictionary<string, string> Quotas = new()
    {
        ["Usage__Enabled"] = "true",
        ["RateLimits__Default__RequestsPerMinute"] = "100000000",
        ["RateLimits__Default__TokensPerMinute"] = "1000000000",
        ["Budgets__Default__TokensPerDay"] = "100000000000",
        ["Budgets__Default__TokensPerMonth"] = "1000000000000",
    };

    private static Dictionary<string, string> Merge(Dictionary<string, string> first, Dictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }
}
