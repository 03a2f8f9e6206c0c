using System.Collections.Concurrent;
using System.Data.Common;
using BrokerGateway.Ingress.Usage;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Ingress.Usage;

/// <summary>The usage writer's handling of a database that refuses a row, or fails for a moment, in the middle of a batch.</summary>
public class UsageWriterTests
{
    [Fact]
    public async Task ARefusedRow_IsSetAside_AndAnOutageWhileWritingOneByOne_IsWaitedOut()
    {
        var records = Enumerable.Range(0, 3).Select(_ => Record()).ToArray();
        var store = new FlakyStore(refused: records[1].RequestId, failOnceAlone: records[2].RequestId);
        var options = Options.Create(new UsageOptions { FlushMilliseconds = 0 });
        var recorder = new UsageRecorder(options, NullLogger<UsageRecorder>.Instance);
        var writer = new UsageWriter(store, recorder, options, TimeProvider.System, NullLogger<UsageWriter>.Instance);
        foreach (var record in records)
        {
            recorder.Record(record);
        }

        await writer.StartAsync(CancellationToken.None);
        var written = await Eventually.Until(() => Task.FromResult(store.Written.Count), count => count >= 2, what: "the two rows the database takes");
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(TaskStatus.RanToCompletion, writer.ExecuteTask!.Status);
        Assert.Equal(2, written);
        Assert.Equal(new[] { records[0].RequestId, records[2].RequestId }.Order(), store.Written.Select(r => r.RequestId).Order());
        Assert.Equal(2, store.Attempts.Count(id => id == records[2].RequestId));
    }

    private static UsageRecord Record() =>
        new(DateTimeOffset.UtcNow, Guid.NewGuid(), "alice", [], "m", "e", "chat", 200, 1, 1, 2, 1, 1, 1, false);

    /// <summary>Refuses any batch holding one record; fails the first time another is written on its own, as a dropped connection would.</summary>
    private sealed class FlakyStore(Guid refused, Guid failOnceAlone) : IUsageStore
    {
        private int _failed;

        public ConcurrentQueue<UsageRecord> Written { get; } = new();

        public ConcurrentQueue<Guid> Attempts { get; } = new();

        public Task InsertAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
        {
            if (records.Any(r => r.RequestId == refused))
            {
                throw new FakeDbException(data: true);
            }

            if (records is [var alone] && alone.RequestId == failOnceAlone)
            {
                Attempts.Enqueue(alone.RequestId);
                if (Interlocked.Exchange(ref _failed, 1) == 0)
                {
                    throw new FakeDbException(data: false);
                }
            }

            foreach (var record in records)
            {
                Written.Enqueue(record);
            }

            return Task.CompletedTask;
        }

        public bool IsDataError(DbException exception) => exception is FakeDbException { Refusal: true };

        public Task<IReadOnlyList<UsageTotal>> QueryAsync(UsageQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> TokensSinceAsync(string scope, DateOnly from, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class FakeDbException(bool data) : DbException(data ? "value refused" : "connection lost")
    {
        public bool Refusal { get; } = data;
    }
}
