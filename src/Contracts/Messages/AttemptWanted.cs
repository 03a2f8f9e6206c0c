namespace BrokerGateway.Contracts.Messages;

/// <summary>The ingress's answer to <see cref="AttemptStillWanted"/>: whether the attempt still waits for a dispatcher.</summary>
public sealed record AttemptWanted(Guid RequestId, int Attempt, bool Wanted);
