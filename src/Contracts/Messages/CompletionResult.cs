namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// How one attempt ended. When <see cref="Outcome"/> is <see cref="CompletionOutcome.Answered"/>,
/// <see cref="StatusCode"/> and <see cref="Body"/> are the upstream's, and
/// <see cref="RetryAfterSeconds"/> its <c>Retry-After</c> if it sent one; otherwise
/// <see cref="Detail"/> says what went wrong, with no secret in it. <see cref="UpstreamMilliseconds"/>
/// is how long the dispatcher's call took.
/// <para>
/// For a streamed attempt, <see cref="StreamChunks"/> is the number of <see cref="CompletionChunk"/>
/// messages sent before this result (null or 0: the stream never began, and the result stands
/// for the whole answer). Once chunks were sent, <see cref="Body"/> holds the upstream's
/// <c>{"usage": …}</c> if it reported one, and an outcome other than
/// <see cref="CompletionOutcome.Answered"/> says how the stream broke off.
/// </para>
/// </summary>
public sealed record CompletionResult(
    Guid RequestId,
    int Attempt,
    string EndpointId,
    CompletionOutcome Outcome,
    int StatusCode,
    string Body,
    string? Detail,
    int? RetryAfterSeconds = null,
    double? UpstreamMilliseconds = null,
    int? StreamChunks = null);
