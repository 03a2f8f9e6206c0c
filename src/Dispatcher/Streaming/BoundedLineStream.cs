namespace BrokerGateway.Dispatcher.Streaming;

/// <summary>
/// Reads through to another stream, failing with <see cref="InvalidDataException"/> once more than
/// <c>maxLineBytes</c> pass without a line feed: what a line-by-line reader above it must buffer stays bounded.
/// </summary>
internal sealed class BoundedLineStream(Stream inner, int maxLineBytes) : Stream
{
    private long _sinceLineFeed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Count(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(buffer.AsSpan(offset, read));
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Count(ReadOnlySpan<byte> read)
    {
        var last = read.LastIndexOf((byte)'\n');
        _sinceLineFeed = last < 0 ? _sinceLineFeed + read.Length : read.Length - last - 1;
        if (_sinceLineFeed > maxLineBytes)
        {
            throw new InvalidDataException($"the upstream sent a line longer than {maxLineBytes} bytes");
        }
    }
}
