using System.Threading.Channels;
using BrokerGateway.Hosting.Telemetry;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// Takes usage records off the request path: a request hands its record over and goes on; the
/// <see cref="UsageWriter"/> writes them in batches. The queue is bounded: past it, a record is
/// counted as dropped and logged, rather than ever making a caller wait.
/// </summary>
internal sealed partial class UsageRecorder
{
    private readonly Channel<UsageRecord> _queue;
    private readonly ILogger<UsageRecorder> _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly bool _enabled;
    private long _dropped;

    /// <param name="metrics">Where the queue's length (<c>brokergateway.usage.queue</c>) and the drops are published; none in unit tests.</param>
    public UsageRecorder(IOptions<UsageOptions> options, ILogger<UsageRecorder> logger, GatewayMetrics? metrics = null)
    {
        _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        _logger = logger;
        _metrics = metrics;
        _enabled = options.Value.Enabled;
        metrics?.Meter.CreateObservableGauge("brokergateway.usage.queue", () => _queue.Reader.Count, "{record}", "Usage records waiting to be written.");
    }

    public ChannelReader<UsageRecord> Reader => _queue.Reader;

    public void Record(UsageRecord record)
    {
        if (!_enabled)
        {
            return;
        }

        if (!_queue.Writer.TryWrite(record))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            _metrics?.UsageDropped.Add(1);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                LogDropped(_logger, dropped);
            }
        }
    }

    /// <summary>No more records will come: the writer drains what is queued and stops.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Usage records dropped because the write queue is full: {Dropped} so far")]
    private static partial void LogDropped(ILogger logger, long dropped);
}
