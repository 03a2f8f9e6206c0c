using System.Diagnostics.Metrics;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>
/// The gateway's instruments, on one meter (<see cref="GatewayTelemetry.Name"/>) made by the host's
/// <see cref="IMeterFactory"/> (so a host's instruments go with it): OpenTelemetry's GenAI
/// conventions (<c>gen_ai.client.token.usage</c>, <c>gen_ai.server.request.duration</c>,
/// <c>gen_ai.server.time_to_first_token</c>, <c>gen_ai.server.time_per_output_token</c>) and the
/// gateway's own <c>brokergateway.*</c>. Each feature records what it knows, and registers its own
/// observable gauges on <see cref="Meter"/>. No label holds a token, a key, a prompt or another
/// unbounded value: models and endpoints come from the manifest, statuses and codes from the
/// gateway's own lists.
/// </summary>
public sealed class GatewayMetrics
{
    public GatewayMetrics(IMeterFactory factory)
    {
        Meter = factory.Create(GatewayTelemetry.Name);
        TokenUsage = Meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens used per request, by type (input or output) and model.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304] });
        RequestDuration = Meter.CreateHistogram<double>("gen_ai.server.request.duration", "s", "Time from a request's arrival to its answer's end, by operation, model and error type.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        TimeToFirstToken = Meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s", "Time from a streamed request's arrival to its first event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0] });
        TimePerOutputToken = Meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", "s", "Time per output token of a stream after its first event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5] });
        Requests = Meter.CreateCounter<long>("brokergateway.requests", "{request}", "Requests answered, by route, model, endpoint, status and policy (interactive or batch).");
        Attempts = Meter.CreateCounter<long>("brokergateway.attempts", "{attempt}", "Attempts at endpoints, by endpoint and outcome.");
        Failovers = Meter.CreateCounter<long>("brokergateway.failovers", "{attempt}", "Attempts after a request's first, by model: each a failover to another endpoint.");
        Cooldowns = Meter.CreateCounter<long>("brokergateway.endpoint.cooldowns", "{cooldown}", "Cooldowns started, by endpoint.");
        QueueWait = Meter.CreateHistogram<double>("brokergateway.queue.wait.duration", "s", "Time requests waited on an endpoint's queue for a dispatcher, by endpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        Refusals = Meter.CreateCounter<long>("brokergateway.refusals", "{request}", "Requests the gateway refused itself, by step (budget, rate_limit, selection, routing, validation) and error code.");
        BatchLines = Meter.CreateCounter<long>("brokergateway.batch.lines", "{line}", "Batch lines finished, by outcome (completed, failed).");
        UsageDropped = Meter.CreateCounter<long>("brokergateway.usage.dropped", "{record}", "Usage records dropped (the writer's queue was full, or the database refused them).");
        UpstreamCalls = Meter.CreateHistogram<double>("brokergateway.upstream.duration", "s", "Upstream calls made by a dispatcher, by endpoint and HTTP status (0: no answer).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
    }

    /// <summary>The meter each feature's observable gauges go on.</summary>
    public Meter Meter { get; }

    public Histogram<long> TokenUsage { get; }

    public Histogram<double> RequestDuration { get; }

    public Histogram<double> TimeToFirstToken { get; }

    public Histogram<double> TimePerOutputToken { get; }

    public Counter<long> Requests { get; }

    public Counter<long> Attempts { get; }

    public Counter<long> Failovers { get; }

    public Counter<long> Cooldowns { get; }

    public Histogram<double> QueueWait { get; }

    public Counter<long> Refusals { get; }

    public Counter<long> BatchLines { get; }

    public Counter<long> UsageDropped { get; }

    public Histogram<double> UpstreamCalls { get; }

    /// <summary>The GenAI conventions' operation name for a route (<c>gen_ai.operation.name</c>).</summary>
    public static string Operation(string route) => route switch
    {
        "chat/completions" or "messages" => "chat",
        "completions" => "text_completion",
        "embeddings" => "embeddings",
        "responses" => "chat",
        _ => route,
    };
}
