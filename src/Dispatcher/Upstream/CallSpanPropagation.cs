using System.Diagnostics;
using BrokerGateway.Hosting.Telemetry;

namespace BrokerGateway.Dispatcher.Upstream;

/// <summary>
/// The trace context the upstream receives: that of the dispatcher's span of the call (see
/// <c>DispatcherTelemetry.StartCall</c>), put on each upstream request by the dispatcher itself with
/// the process's propagator (W3C <c>traceparent</c>, <c>tracestate</c>, baggage) — so a traced
/// upstream's span hangs under a span the trace has. HttpClient's own propagation is off (the
/// handler has no <c>ActivityHeadersPropagator</c>): whenever a span is current it starts one more of
/// its own for every request, with the URL as a tag, that nobody records, only to send its id.
/// </summary>
internal static class CallSpanPropagation
{
    public static void Inject(HttpRequestMessage message)
    {
        if (CallSpan(Activity.Current) is not { } span)
        {
            return;
        }

        DistributedContextPropagator.Current.Inject(span, message, static (carrier, name, value) =>
        {
            if (carrier is HttpRequestMessage request && !request.Headers.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        });
    }

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
