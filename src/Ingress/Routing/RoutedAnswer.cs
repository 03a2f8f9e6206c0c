using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// What routing a request came to: the answer that ended it (a result or an error), which endpoint
/// gave it, after how many attempts — or, for a stream that has begun, the <see cref="Stream"/> to relay.
/// </summary>
internal sealed record RoutedAnswer(CompletionResult? Result, ApiError? Error, string? EndpointId, int Attempts)
{
    public RoutedStream? Stream { get; init; }

    /// <summary>How long the request waited on endpoint queues for a dispatcher to take it, over all its attempts; null if none took it.</summary>
    public double? QueueMilliseconds { get; init; }
}
