using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Routing;

/// <summary>What came back for one request sent to an endpoint queue: the dispatcher's result, or the error the caller gets.</summary>
public readonly record struct DispatchOutcome(CompletionResult? Result, ApiError? Error);
