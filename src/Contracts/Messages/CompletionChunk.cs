namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Part of a streamed answer: the <c>data</c> of one or more of the upstream's server-sent events,
/// in order, each exactly as the upstream sent it. <see cref="Sequence"/> counts the chunks of one
/// attempt from 0, so the ingress can put them back in order. The first chunk also says which
/// dispatcher sends them, where a <see cref="CancelCompletion"/> must go, and how long the dispatcher
/// had held the attempt by then (see <see cref="CompletionAccepted.HeldMilliseconds"/>). The stream ends with a
/// <see cref="CompletionResult"/> whose <see cref="CompletionResult.StreamChunks"/> says how many
/// chunks were sent.
/// </summary>
public sealed record CompletionChunk(
    Guid RequestId,
    int Attempt,
    int Sequence,
    IReadOnlyList<string> Events,
    string? DispatcherId = null,
    Uri? DispatcherAddress = null,
    double? HeldMilliseconds = null);
