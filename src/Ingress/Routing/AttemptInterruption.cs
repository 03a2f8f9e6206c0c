namespace BrokerGateway.Ingress.Routing;

/// <summary>Why the ingress stopped waiting for an attempt before any answer came — none of them says anything against the endpoint.</summary>
internal enum AttemptInterruption
{
    /// <summary>No dispatcher consumes the endpoint's queue any more, and the attempt was still waiting in it.</summary>
    NoConsumer,

    /// <summary>The dispatcher that took the attempt is gone (its own queue vanished), and none other consumes the endpoint's queue to take it over.</summary>
    DispatcherLost,

    /// <summary>This ingress lost its connection to the broker: no answer can arrive.</summary>
    BrokerLost,
}
