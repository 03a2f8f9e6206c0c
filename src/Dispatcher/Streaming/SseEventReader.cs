using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// An upstream's server-sent events, read as they arrive with the framework's
/// <see cref="SseParser"/> (blank line ends an event, <c>data:</c> lines joined with line feeds,
/// comments and other fields skipped), through a <see cref="BoundedLineStream"/> so that a line
/// without end cannot make the dispatcher hold an unbounded buffer.
/// </summary>
internal sealed class SseEventReader(Stream body) : IEventSource
{
    /// <summary>The longest line an upstream may send; a longer one ends the stream as broken.</summary>
    public const int MaxLineBytes = 4 * 1024 * 1024;

    private readonly BoundedLineStream _body = new(body, MaxLineBytes);

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = SseParser.Create(_body, static (_, data) => Encoding.UTF8.GetString(data));
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            yield return item.Data;
        }
    }

    public void Dispose() => _body.Dispose();
}
