namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>The endpoint_ids whose queues this dispatcher consumes now: what its heartbeat announces.</summary>
internal sealed class ConsumedEndpoints
{
    private readonly Lock _lock = new();
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);

    public bool Contains(string endpointId)
    {
        lock (_lock)
        {
            return _ids.Contains(endpointId);
        }
    }

    public bool Add(string endpointId)
    {
        lock (_lock)
        {
            return _ids.Add(endpointId);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_lock)
        {
            return [.. _ids];
        }
    }
}
