namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>An upstream's open event stream: its events, and the response to close when the relay is done with it.</summary>
internal sealed class UpstreamEvents(HttpResponseMessage response, Stream body) : IEventSource
{
    private readonly SseEventReader _reader = new(body);

    public IAsyncEnumerable<string> ReadEventsAsync(CancellationToken cancellationToken) => _reader.ReadEventsAsync(cancellationToken);

    public void Dispose()
    {
        _reader.Dispose();
        response.Dispose();
    }
}
