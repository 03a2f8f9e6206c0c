namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Chunks of several streams on their way to one ingress, sent as one message: what a dispatcher
/// relaying many streams at once sends, so that the broker carries a message per moment rather
/// than per event. Each chunk is handled exactly as if it had come alone.
/// </summary>
public sealed record CompletionChunks(IReadOnlyList<CompletionChunk> Chunks);
