using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// Whether this process is connected to the broker now, as its own queue's receive endpoint
/// reports it: lost when that endpoint completes or faults outside a graceful stop, back when it
/// is ready again. Those who wait on the broker (an ingress's requests in flight) learn of a loss
/// at once through <see cref="Lost"/>, and senders wait a moment for it to be back
/// (<see cref="WaitUntilUpAsync"/>) and then refuse, instead of waiting on a connection that is not there. On the in-memory bus it is never lost.
/// </summary>
public sealed partial class BrokerConnection(InstanceEndpoint instance, TimeProvider time, ILogger<BrokerConnection> logger) : IReceiveEndpointObserver, IDisposable
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _back = Completed();
    private CancellationTokenSource _losing = new();
    private bool _up = true;
    private bool _stopping;
    private long _lostAt;
    private long _backAt;
    private DateTimeOffset? _cameBackAt;

    /// <summary>False from the moment the connection is seen lost until it is back.</summary>
    public bool IsUp
    {
        get
        {
            lock (_lock)
            {
                return _up;
            }
        }
    }

    /// <summary>How long ago the connection came back after a loss; null if it was never lost.</summary>
    public TimeSpan? SinceBack
    {
        get
        {
            lock (_lock)
            {
                return _up && _backAt != 0 ? time.GetElapsedTime(_backAt) : null;
            }
        }
    }

    /// <summary>
    /// When the connection last came back after a loss (null if it was never lost): broadcasts
    /// sent while it was lost never reached this process, so it has heard them only since then.
    /// </summary>
    public DateTimeOffset? CameBackAt
    {
        get
        {
            lock (_lock)
            {
                return _cameBackAt;
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="longest"/> for the connection to be back, if it is lost; true
    /// when it is up. A broker of several nodes takes a moment to reconnect to another one, and a
    /// request held that long is sent instead of refused.
    /// </summary>
    public async Task<bool> WaitUntilUpAsync(TimeSpan longest, CancellationToken cancellationToken)
    {
        Task back;
        lock (_lock)
        {
            if (_up)
            {
                return true;
            }

            back = _back.Task;
        }

        await Task.WhenAny(back, Task.Delay(longest, time, cancellationToken));
        return IsUp;
    }

    /// <summary>Completes when the connection is next lost; a new task is handed out after each loss.</summary>
    public Task Lost
    {
        get
        {
            lock (_lock)
            {
                return _lost.Task;
            }
        }
    }

    /// <summary>Cancelled when the connection is next lost (a new token is handed out after each loss): for work to link to.</summary>
    public CancellationToken Losing
    {
        get
        {
            lock (_lock)
            {
                return _losing.Token;
            }
        }
    }

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (IsInstance(ready.InputAddress))
        {
            lock (_lock)
            {
                if (_up)
                {
                    return Task.CompletedTask;
                }

                _up = true;
                _backAt = time.GetTimestamp();
                _cameBackAt = time.GetUtcNow();
                _back.TrySetResult();
            }

            var seconds = time.GetElapsedTime(_lostAt).TotalSeconds;
            LogBack(logger, seconds);
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping)
    {
        if (IsInstance(stopping.InputAddress))
        {
            // A graceful stop: what completes now is not a lost connection.
            lock (_lock)
            {
                _stopping = true;
            }
        }

        return Task.CompletedTask;
    }

    public Task Completed(ReceiveEndpointCompleted completed)
    {
        if (IsInstance(completed.InputAddress))
        {
            MarkLost("the connection closed");
        }

        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted faulted)
    {
        if (IsInstance(faulted.InputAddress))
        {
            MarkLost(faulted.Exception?.GetType().Name ?? "the endpoint faulted");
        }

        return Task.CompletedTask;
    }

    private void MarkLost(string reason)
    {
        TaskCompletionSource lost;
        CancellationTokenSource losing;
        lock (_lock)
        {
            if (!_up || _stopping)
            {
                return;
            }

            _up = false;
            _lostAt = time.GetTimestamp();
            lost = _lost;
            losing = _losing;
            _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _losing = new CancellationTokenSource();
            _back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        LogLost(logger, reason);
        lost.TrySetResult();
        losing.Cancel();

        // Not disposed: a sender may still be linking to its token; it holds no timer.
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _losing.Dispose();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
        return done;
    }

    private bool IsInstance(Uri address) => instance.IsSet && address.AbsolutePath == instance.Address.AbsolutePath;

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Lost the connection to the broker ({Reason}); refusing work that needs it until it is back")]
    private static partial void LogLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "The connection to the broker is back after {Seconds:0.0} s")]
    private static partial void LogBack(ILogger logger, double seconds);
}
