using System.Text;

namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Reads server-sent events line by line as they arrive, without buffering the body: a blank line
/// ends an event, its <c>data:</c> lines are joined with line feeds, comments (<c>:</c>) and other
/// fields are skipped. An event left open when the stream ends is still delivered, as lenient
/// clients do.
/// </summary>
public sealed class SseEventReader(Stream body) : IEventSource
{
    private readonly StreamReader _reader = new(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
    private readonly StringBuilder _data = new();

    public async ValueTask<string?> ReadEventAsync(CancellationToken cancellationToken)
    {
        var hasData = false;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    return Take();
                }

                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (hasData)
                {
                    _data.Append('\n');
                }

                var value = line.AsSpan(5);
                _data.Append(value.StartsWith(' ') ? value[1..] : value);
                hasData = true;
            }
        }

        return hasData ? Take() : null;
    }

    public void Dispose() => _reader.Dispose();

    private string Take()
    {
        var data = _data.ToString();
        _data.Clear();
        return data;
    }
}
