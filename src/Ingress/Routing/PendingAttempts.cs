using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Routing;

/// <summary>The attempts this ingress waits on, matched with the dispatchers' answers as they arrive on its own queue.</summary>
public sealed class PendingAttempts
{
    private readonly ConcurrentDictionary<(Guid, int), PendingAttempt> _pending = new();

    public PendingAttempt Register(Guid requestId, int attempt)
    {
        var pending = new PendingAttempt(requestId, attempt);
        _pending[(requestId, attempt)] = pending;
        return pending;
    }

    public void Remove(PendingAttempt pending) =>
        _pending.TryRemove(new KeyValuePair<(Guid, int), PendingAttempt>((pending.RequestId, pending.Attempt), pending));

    /// <summary>Returns false when nobody waits for this attempt any more.</summary>
    public bool Accept(CompletionAccepted accepted)
    {
        if (!_pending.TryGetValue((accepted.RequestId, accepted.Attempt), out var pending))
        {
            return false;
        }

        pending.Accepted.TrySetResult(accepted);
        pending.Taken.TrySetResult();
        return true;
    }

    public bool Complete(CompletionResult result)
    {
        if (!_pending.TryGetValue((result.RequestId, result.Attempt), out var pending))
        {
            return false;
        }

        pending.Result.TrySetResult(result);
        pending.Taken.TrySetResult();
        return true;
    }
}

public sealed class PendingAttempt(Guid requestId, int attempt)
{
    public Guid RequestId { get; } = requestId;

    public int Attempt { get; } = attempt;

    /// <summary>Completes when a dispatcher took the attempt: its acknowledgement or its answer, whichever comes first.</summary>
    public TaskCompletionSource Taken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<CompletionAccepted> Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<CompletionResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
