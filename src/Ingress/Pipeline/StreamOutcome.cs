using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>How a relayed stream ended: the status the caller's usage row records, and the dispatcher's final result (its usage) if one came.</summary>
internal readonly record struct StreamOutcome(int Status, CompletionResult? End);
