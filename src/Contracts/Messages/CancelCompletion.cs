namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Tells a dispatcher to abort an attempt's upstream call: the caller went away or the ingress gave
/// up on it. Sent to the dispatcher that accepted the attempt; published to every dispatcher when
/// nobody has taken it yet (a withdrawal), so that whoever takes it from the queue later drops it
/// instead of calling the upstream. <see cref="Until"/> is how long a dispatcher that has not seen
/// the attempt should remember that: until the attempt's message expires on its queue.
/// </summary>
public sealed record CancelCompletion(Guid RequestId, int Attempt, DateTimeOffset? Until = null);
