namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Marks an attempt as streamed (<c>"stream": true</c>): the dispatcher relays the upstream's
/// server-sent events as <see cref="CompletionChunk"/> messages to the response address. The
/// attempt's own deadline bounds the wait for the first event (until then the ingress can still
/// fail over); after it, the stream may run until <see cref="Deadline"/>, with at most
/// <see cref="IdleTimeout"/> between two events.
/// </summary>
public sealed record StreamRequest(DateTimeOffset Deadline, TimeSpan IdleTimeout);
