using System.Diagnostics;

namespace BrokerGateway.Hosting.Telemetry;

/// <summary>The names under which the gateway's own spans and instruments are published (its meter and activity source: <c>BrokerGateway</c>).</summary>
public static class GatewayTelemetry
{
    public const string Name = "BrokerGateway";

    /// <summary>The gateway's spans: one per request at the ingress, one per upstream call at the dispatcher.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The framework's and libraries' own meters the gateway publishes beside its own.</summary>
    public static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "System.Net.Http", "System.Runtime", "MassTransit",
    ];
}
