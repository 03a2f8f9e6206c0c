namespace BrokerGateway.Ingress.Pipeline;

/// <summary>The pipeline's steps, in order, as a sink is told which one refused a request.</summary>
internal enum RequestStep
{
    /// <summary>The adapter found the request wrong once its caller was known (a bad header).</summary>
    Validation,

    /// <summary>Admission: the caller's daily or monthly token budget.</summary>
    Budget,

    /// <summary>Admission: the caller's requests and tokens per minute.</summary>
    RateLimit,

    /// <summary>Which endpoints may serve the model for this caller.</summary>
    Selection,

    /// <summary>Over the broker to a dispatcher, with failover, until an answer or the deadline.</summary>
    Routing,
}
