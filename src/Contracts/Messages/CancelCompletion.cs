namespace BrokerGateway.Contracts.Messages;

/// <summary>Tells the dispatcher that accepted an attempt to abort its upstream call: the caller went away or the ingress gave up on it.</summary>
public sealed record CancelCompletion(Guid RequestId, int Attempt);
