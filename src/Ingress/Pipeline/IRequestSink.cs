using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// Where a request's outcome goes: a JSON answer, an event stream, a batch line's result. The
/// pipeline decides what happened; the sink delivers it in its own shape and says which status the
/// caller got — the status the usage row records, or null when the outcome is not the request's
/// end (a batch line refused for now is run again later, and gets its row then).
/// </summary>
internal interface IRequestSink
{
    /// <summary>What the rate limiter decided, admitted or not (an HTTP sink writes the <c>x-ratelimit-*</c> headers).</summary>
    void RateLimited(RateLease lease);

    /// <summary>The gateway refused the request at <paramref name="step"/>; <paramref name="routed"/> says how far routing got, if it ran.</summary>
    ValueTask<int?> RefuseAsync(RequestStep step, ApiError error, RoutedAnswer? routed);

    /// <summary>Waits for routing to settle; a stream's sink keeps the connection alive meanwhile.</summary>
    Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken);

    /// <summary>An upstream's whole answer (success or refusal), or a dispatcher's report of a call that failed.</summary>
    ValueTask<int?> AnswerAsync(RoutedAnswer routed, CompletionResult result);

    /// <summary>
    /// Relays a stream that has begun until it ends. The sink owns <paramref name="stream"/> and
    /// disposes it (which aborts an upstream call not yet finished). <paramref name="ending"/> fires
    /// when the caller leaves (then this throws) or the gateway stops serving (then the sink ends the
    /// stream in its own shape and returns).
    /// </summary>
    Task<StreamOutcome> RelayAsync(RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone);
}
