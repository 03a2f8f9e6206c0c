namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// A dispatcher's answer to <see cref="SubmitCompletion"/>. When <see cref="Outcome"/> is
/// <see cref="CompletionOutcome.Answered"/>, <see cref="StatusCode"/> and <see cref="Body"/> are the
/// upstream's; otherwise <see cref="Detail"/> says what went wrong, with no secret in it.
/// </summary>
public sealed record CompletionResult(
    Guid RequestId,
    string EndpointId,
    CompletionOutcome Outcome,
    int StatusCode,
    string Body,
    string? Detail);
