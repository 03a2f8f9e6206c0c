using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Telemetry;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// What a dispatcher tells operators of its upstream calls: a span per attempt (a child of the
/// ingress's, whose context came over the broker in the message's header), which is the span of the
/// upstream call — the <c>traceparent</c> the upstream receives is its own —, the duration of each
/// call by endpoint and status, and the calls in flight. Nothing of the body, and never the key.
/// </summary>
internal sealed class DispatcherTelemetry
{
    /// <summary>Per endpoint and per upstream URL, made once: the manifest names a bounded set of each.</summary>
    private static readonly ConcurrentDictionary<string, string> SpanNames = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, (string Host, object Port)?> Servers = new(StringComparer.Ordinal);

    private readonly GatewayMetrics _metrics;

    public DispatcherTelemetry(GatewayMetrics metrics, InFlightCalls calls)
    {
        _metrics = metrics;
        metrics.Meter.CreateObservableGauge(
            "brokergateway.dispatcher.calls",
            () => calls.PerEndpoint(idleToo: true).Select(e => new Measurement<int>(e.Value, new KeyValuePair<string, object?>("endpoint", e.Key))),
            "{call}",
            "Upstream calls this dispatcher has in flight, by endpoint.");
    }

    /// <param name="traceParent">The ingress's span, from the message's <see cref="GatewayTelemetry.TraceHeader"/>; none: a trace of its own.</param>
    public static Activity? StartCall(SubmitCompletion request, ManifestEntry? entry, string? traceParent)
    {
        if (!GatewayTelemetry.Source.HasListeners())
        {
            return null;
        }

        var name = SpanNames.GetOrAdd(request.EndpointId, static id => $"call {id}");
        var activity = traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)
            ? GatewayTelemetry.Source.StartActivity(name, ActivityKind.Client, parent)
            : GatewayTelemetry.Source.StartActivity(name, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.provider.name", entry is null ? null : Provider(entry));
            activity.SetTag("brokergateway.endpoint", request.EndpointId);
            activity.SetTag("brokergateway.request_id", request.RequestId.ToString());
            activity.SetTag("brokergateway.attempt", request.Attempt);
            activity.SetTag("brokergateway.route", request.Route.ToString());
            activity.SetTag("brokergateway.stream", request.Stream is not null);
            if (entry is not null && Servers.GetOrAdd(entry.Url, Server) is { } server)
            {
                activity.SetTag("server.address", server.Host);
                activity.SetTag("server.port", server.Port);
            }
        }

        return activity;
    }

    public void Answered(Activity? span, SubmitCompletion request, CompletionResult result, TimeSpan elapsed)
    {
        _metrics.UpstreamCalls.Record(elapsed.TotalSeconds, new TagList
        {
            { "endpoint", request.EndpointId },
            { "status", result.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            { "outcome", result.Outcome.ToString() },
        });
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("http.response.status_code", result.StatusCode);
            span.SetTag("brokergateway.outcome", result.Outcome.ToString());
            if (result.Outcome != CompletionOutcome.Answered || result.StatusCode >= 500)
            {
                span.SetStatus(ActivityStatusCode.Error, result.Detail);
            }
        }
    }

    /// <summary>The host and port of an upstream URL (boxed once: a tag's value is an object).</summary>
    private static (string Host, object Port)? Server(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? (parsed.Host, parsed.Port) : null;

    /// <summary>The GenAI conventions' provider name for an entry's dialect.</summary>
    private static string Provider(ManifestEntry entry) => entry.IsMock ? "brokergateway.mock" : entry.Api switch
    {
        UpstreamApi.Azure => "azure.ai.openai",
        UpstreamApi.Anthropic => "anthropic",
        _ => "openai",
    };
}
