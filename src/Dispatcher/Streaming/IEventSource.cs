namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>Where a streamed answer's events come from: an upstream's server-sent events, or the built-in mock.</summary>
internal interface IEventSource : IDisposable
{
    /// <summary>The <c>data</c> of each event, in order, as it arrives.</summary>
    IAsyncEnumerable<string> ReadEventsAsync(CancellationToken cancellationToken);
}
