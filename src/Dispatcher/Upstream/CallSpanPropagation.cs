using System.Diagnostics;
using BrokerGateway.Hosting.Telemetry;

namespace BrokerGateway.Dispatcher.Upstream;

/// <summary>
/// The trace context the upstream receives: that of the dispatcher's span of the call (see
/// <c>DispatcherTelemetry.StartCall</c>), not of the span HttpClient makes for each request and
/// nobody records — so a traced upstream's span hangs under a span the trace has. Otherwise
/// exactly the process's propagator (W3C <c>traceparent</c>, <c>tracestate</c>, baggage).
/// </summary>
internal sealed class CallSpanPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    public override IReadOnlyCollection<string> Fields => inner.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
        inner.Inject(CallSpan(activity), carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);

    /// <summary>The nearest of the gateway's spans up from <paramref name="activity"/>; the activity itself if there is none.</summary>
    private static Activity? CallSpan(Activity? activity)
    {
        for (var span = activity; span is not null; span = span.Parent)
        {
            if (span.Source == GatewayTelemetry.Source)
            {
                return span;
            }
        }

        return activity;
    }
}
