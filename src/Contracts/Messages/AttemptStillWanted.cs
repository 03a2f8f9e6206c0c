namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Asks the ingress that sent an attempt whether anybody still waits for it, answered with
/// <see cref="AttemptWanted"/>. A dispatcher asks before it runs a message that was sent before it
/// could hear the ingress's <see cref="CancelCompletion"/> broadcasts (it started while the message
/// waited on the queue), so that a request withdrawn meanwhile never reaches the upstream. A
/// dispatcher that gets no answer runs the attempt, as one that never asked would.
/// </summary>
public sealed record AttemptStillWanted(Guid RequestId, int Attempt);
