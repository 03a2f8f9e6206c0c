namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Asks a dispatcher of one endpoint to make one attempt at a request. <see cref="Body"/> is the
/// caller's JSON, passed through unchanged. The dispatcher answers to the message's response
/// address: first <see cref="CompletionAccepted"/>, then <see cref="CompletionResult"/>. It never
/// takes a message after <see cref="AcceptBy"/> (by then the ingress has stopped waiting), and gives
/// the upstream until <see cref="AttemptDeadline"/> — or, with <see cref="AttemptTimeout"/>, that
/// long from when it took the message, if that comes sooner: a request that waited its turn on a
/// busy queue still gets its full attempt. For a <see cref="Stream"/>, the attempt lasts until its
/// first event. <see cref="Headers"/> are the caller's headers the upstream must see (for
/// <c>/v1/messages</c>: <c>anthropic-version</c> and <c>anthropic-beta</c>), never a credential.
/// <see cref="Target"/> is what a follow-up of a stored response names: the response's id, and for
/// a GET the query the caller gave, already encoded (<c>resp_123?limit=10</c>); its body is empty.
/// <see cref="Priority"/>, with fair share on, is the request's place in line (higher first, up to
/// 10): the broker's priority queue and a standalone dispatcher serve waiting requests by it.
/// </summary>
public sealed record SubmitCompletion(
    Guid RequestId,
    int Attempt,
    string EndpointId,
    UpstreamRoute Route,
    string Body,
    DateTimeOffset AcceptBy,
    DateTimeOffset AttemptDeadline,
    StreamRequest? Stream = null,
    TimeSpan? AttemptTimeout = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? Target = null,
    byte? Priority = null);
