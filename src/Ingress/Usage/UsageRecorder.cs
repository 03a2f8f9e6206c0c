using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// Takes usage records off the request path: a request hands its record over and goes on; the
/// <see cref="UsageWriter"/> writes them in batches. The queue is bounded: past it, a record is
/// counted as dropped and logged, rather than ever making a caller wait.
/// </summary>
internal sealed partial class UsageRecorder(IOptions<UsageOptions> options, ILogger<UsageRecorder> logger)
{
    private readonly Channel<UsageRecord> _queue = Channel.CreateBounded<UsageRecord>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _dropped;

    public ChannelReader<UsageRecord> Reader => _queue.Reader;

    private readonly bool _enabled = options.Value.Enabled;

    public void Record(UsageRecord record)
    {
        if (!_enabled)
        {
            return;
        }

        if (!_queue.Writer.TryWrite(record))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                LogDropped(logger, dropped);
            }
        }
    }

    /// <summary>No more records will come: the writer drains what is queued and stops.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Usage records dropped because the write queue is full: {Dropped} so far")]
    private static partial void LogDropped(ILogger logger, long dropped);
}
