using BrokerGateway.Hosting.Messaging;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// The calls a standalone dispatcher makes at once on one queue, with those waiting served highest
/// priority first and, among equals, first come first served — what RabbitMQ's priority queue does
/// over the broker, for the in-memory transport, which has none. While a slot is free nobody waits.
/// </summary>
internal sealed class PriorityGate(int capacity)
{
    private readonly Queue<Waiter>[] _waiting = Enumerable.Range(0, QueueNames.MaxPriority + 1).Select(_ => new Queue<Waiter>()).ToArray();
    private readonly Lock _lock = new();
    private int _taken;
    private int _waiters;

    public int Capacity { get; } = capacity;

    /// <summary>Requests waiting for a slot.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters;
            }
        }
    }

    /// <summary>
    /// Waits for a slot, in the order of <paramref name="priority"/>; the slot is given back when the
    /// result is disposed. Cancelling gives up the place in line; a slot given at the same moment is
    /// passed on to the next in line.
    /// </summary>
    public async ValueTask<IDisposable> EnterAsync(byte priority, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_taken < Capacity && _waiters == 0)
            {
                _taken++;
                return new Slot(this);
            }

            waiter = new Waiter();
            _waiting[Math.Min(priority, QueueNames.MaxPriority)].Enqueue(waiter);
            _waiters++;
        }

        await using (cancellationToken.Register(() => GiveUp(waiter)))
        {
            try
            {
                await waiter.Granted.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }
        }

        return new Slot(this);
    }

    private void GiveUp(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Granted.Task.IsCompleted)
            {
                return;
            }

            waiter.Abandoned = true;
            _waiters--;
        }

        waiter.Granted.TrySetCanceled();
    }

    private void Release()
    {
        Waiter? next = null;
        lock (_lock)
        {
            for (int p = QueueNames.MaxPriority; p >= 0 && next is null; p--)
            {
                var queue = _waiting[p];
                while (queue.TryDequeue(out var waiter))
                {
                    if (!waiter.Abandoned)
                    {
                        next = waiter;
                        break;
                    }
                }
            }

            if (next is null)
            {
                _taken--;
                return;
            }

            // The slot passes to the next in line without being freed in between.
            _waiters--;
            next.Granted.TrySetResult();
        }
    }

    private sealed class Waiter
    {
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Abandoned { get; set; }
    }

    private sealed class Slot(PriorityGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
