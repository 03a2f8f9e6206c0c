using System.Diagnostics;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>The names under which the gateway's own spans and instruments are published (its meter and activity source: <c>BrokerGateway</c>).</summary>
public static class GatewayTelemetry
{
    public const string Name = "BrokerGateway";

    /// <summary>
    /// The message header that carries a request's trace (its W3C <c>traceparent</c>) from the
    /// ingress to the dispatcher. The gateway carries it itself rather than through MassTransit's
    /// activities: those log every send that fails while the broker is away as an error with a
    /// stack trace, where the gateway reports broker trouble in one line of its own.
    /// </summary>
    public const string TraceHeader = "bg-traceparent";

    /// <summary>The gateway's spans: one per request at the ingress, one per upstream call at the dispatcher.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The framework's and libraries' own meters the gateway publishes beside its own.</summary>
    public static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "System.Net.Http", "System.Runtime",
    ];

    /// <summary>MassTransit's meter, published over RabbitMQ.</summary>
    public const string MassTransitMeter = "MassTransit";
}
