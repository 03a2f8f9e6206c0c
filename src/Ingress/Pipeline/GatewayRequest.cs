using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// One request as the pipeline runs it, whoever made it: the caller, the model and route, the
/// body to send upstream (and its size in bytes, from which the rate limiter estimates tokens),
/// how long it may take in all, and its <see cref="RequestPolicy"/>. <see cref="StartedAt"/> is a
/// <see cref="TimeProvider"/> timestamp of when it arrived, so the usage row's duration includes
/// reading and checking it.
/// </summary>
internal sealed record GatewayRequest(
    Guid RequestId,
    CallerIdentity Caller,
    string Model,
    UpstreamRoute Route,
    string Body,
    int BodyBytes,
    TimeSpan Timeout,
    RequestPolicy Policy,
    long StartedAt)
{
    /// <summary>For a request answered as a stream, how long the stream may stay silent; null for one answered whole.</summary>
    public TimeSpan? StreamIdleTimeout { get; init; }

    /// <summary>The batch a line belongs to, carried into its usage row.</summary>
    public string? BatchId { get; init; }

    /// <summary>The caller's headers the upstream must see (for <c>/v1/messages</c>: <c>anthropic-version</c>, <c>anthropic-beta</c>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// The stored response this request continues (<c>previous_response_id</c>) or follows up (a GET,
    /// DELETE or cancel of it): only the endpoint that made it holds it, so the pipeline sends the
    /// request there and nowhere else.
    /// </summary>
    public string? ContinuesResponse { get; init; }

    /// <summary>For a follow-up of a stored response: its id, and for a GET the caller's query, encoded.</summary>
    public string? Target { get; init; }

    /// <summary>The account the caller named in <c>x-gateway-account</c>, if it named one.</summary>
    public string? RequestedAccount { get; init; }

    /// <summary>The account the request is charged to, once admitted (see <see cref="FairShare.AccountSelector"/>).</summary>
    public string? Account { get; init; }

    /// <summary>With fair share on, the request's place in line on the endpoint's queue, from its account's standing when it was admitted.</summary>
    public byte? Priority { get; init; }

    /// <summary>With fair share, the tokens charged to <see cref="Account"/> when the request was sent on, settled when it ends.</summary>
    public int ChargedEstimate { get; init; }

    public bool IsStream => StreamIdleTimeout is not null;

    /// <summary>The rate limiter's estimate of the tokens the request uses, until the upstream says.</summary>
    public int EstimatedTokens => GatewayRateLimiter.Estimate(BodyBytes);

    public RouteRequest ToRoute() => new(RequestId, Model, Route, Body, Timeout, Policy, StreamIdleTimeout) { Headers = Headers, Target = Target, Priority = Priority };
}
