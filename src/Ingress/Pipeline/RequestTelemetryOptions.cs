namespace BrokerGateway.Ingress.Pipeline;

/// <summary>What the ingress says of each request beyond its usage row (section <c>Telemetry</c>).</summary>
internal sealed class RequestTelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>One Information line per request: id, user, model, endpoint, route, status, attempts, queue time, duration, tokens; never a prompt or a key.</summary>
    public bool AccessLog { get; set; } = true;

    /// <summary>Label the token-usage metric with the caller's user id too. Off by default: a label per user grows with the user count.</summary>
    public bool UserLabels { get; set; }
}
