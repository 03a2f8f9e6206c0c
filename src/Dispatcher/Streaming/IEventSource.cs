namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>Where a streamed answer's events come from: an upstream's server-sent events, or the built-in mock.</summary>
public interface IEventSource : IDisposable
{
    /// <summary>The <c>data</c> of the next event, or null at the end of the stream.</summary>
    ValueTask<string?> ReadEventAsync(CancellationToken cancellationToken);
}
