using BrokerGateway.Ingress.Streaming;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// A stream that has begun, handed from the router to the response writer with its attempt still
/// registered. Disposing it ends the attempt: a stream not yet finished (the caller left, a
/// timeout, a slow reader) has its upstream call aborted.
/// </summary>
internal sealed class RoutedStream(PendingAttempt attempt, Func<PendingAttempt, Task> end) : IAsyncDisposable
{
    private int _ended;

    public StreamBuffer Buffer => attempt.Stream!;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            try
            {
                await end(attempt);
            }
            finally
            {
                attempt.Stream!.Dispose();
            }
        }
    }
}
