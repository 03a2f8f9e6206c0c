namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// A dispatcher took an attempt and is calling the upstream. <see cref="DispatcherAddress"/> is
/// where a <see cref="CancelCompletion"/> for it must go. <see cref="HeldMilliseconds"/> is how
/// long the dispatcher had held the attempt when it said so, which lets the ingress tell the time
/// the attempt waited on its queue without comparing clocks.
/// </summary>
public sealed record CompletionAccepted(Guid RequestId, int Attempt, string DispatcherId, Uri DispatcherAddress, double? HeldMilliseconds = null);
