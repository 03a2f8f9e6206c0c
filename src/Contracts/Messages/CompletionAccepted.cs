namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// A dispatcher took an attempt and is calling the upstream. <see cref="DispatcherAddress"/> is
/// where a <see cref="CancelCompletion"/> for it must go.
/// </summary>
public sealed record CompletionAccepted(Guid RequestId, int Attempt, string DispatcherId, Uri DispatcherAddress);
