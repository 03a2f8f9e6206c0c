using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Routing;

/// <summary>What routing needs of a request: which one, for what model and route, its body, how long it may take, its policy, and — for a stream — how long it may stay silent.</summary>
internal sealed record RouteRequest(Guid RequestId, string Model, UpstreamRoute Route, string Body, TimeSpan Timeout, RequestPolicy Policy, TimeSpan? StreamIdleTimeout)
{
    /// <summary>The caller's headers the upstream must see (for <c>/v1/messages</c>: <c>anthropic-version</c>, <c>anthropic-beta</c>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>For a follow-up of a stored response: its id, and for a GET the caller's query (<see cref="SubmitCompletion.Target"/>).</summary>
    public string? Target { get; init; }

    /// <summary>With fair share on, the request's place in line on the endpoint's queue (<see cref="SubmitCompletion.Priority"/>).</summary>
    public byte? Priority { get; init; }
}
