namespace BrokerGateway.Contracts.Messages;

/// <summary>How a dispatcher's attempt ended.</summary>
public enum CompletionOutcome
{
    /// <summary>The upstream answered; the status code and body are its own.</summary>
    Answered,

    /// <summary>No answer could be had: connection refused, DNS or TLS failure, connection closed early.</summary>
    Unreachable,

    /// <summary>The upstream did not answer before the request's deadline.</summary>
    TimedOut,

    /// <summary>The dispatcher cannot serve this endpoint: no key, or no such entry in its manifest.</summary>
    NotServed,
}
