using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Streaming;

namespace BrokerGateway.Tests.Ingress.Streaming;

public sealed class StreamBufferTests
{
    private static readonly Guid Request = Guid.NewGuid();

    private static CompletionChunk Chunk(int sequence, params string[] events) => new(Request, 1, sequence, events);

    private static CompletionResult End(int chunks, CompletionOutcome outcome = CompletionOutcome.Answered) =>
        new(Request, 1, "e", outcome, 200, """{"usage":{"total_tokens":3}}""", null, StreamChunks: chunks);

    private static async Task<List<string>> ReadAllAsync(StreamBuffer buffer)
    {
        var events = new List<string>();
        await foreach (var batch in buffer.Ready.ReadAllAsync())
        {
            events.AddRange(batch);
            buffer.Written(batch);
        }

        return events;
    }

    [Fact]
    public async Task ChunksArrivingOutOfOrder_AreHandedOnInOrder_AndTheStreamEndsWhenAllHaveCome()
    {
        using var buffer = new StreamBuffer(1024);

        Assert.False(buffer.Add(Chunk(2, "e")));
        Assert.False(buffer.IsStarted);
        buffer.Finish(End(4));
        Assert.True(buffer.Add(Chunk(0, "a", "b")));
        Assert.False(buffer.Add(Chunk(3, "f")));
        Assert.False(buffer.Add(Chunk(1, "c", "d")));

        Assert.Equal(["a", "b", "c", "d", "e", "f"], await ReadAllAsync(buffer));
        Assert.True(buffer.IsStarted);
        Assert.Equal(4, buffer.End!.StreamChunks);
    }

    [Fact]
    public async Task ADuplicateChunk_IsIgnored()
    {
        using var buffer = new StreamBuffer(1024);

        buffer.Add(Chunk(0, "a"));
        buffer.Add(Chunk(0, "a"));
        buffer.Add(Chunk(1, "b"));
        buffer.Add(Chunk(1, "b"));
        buffer.Finish(End(2));

        Assert.Equal(["a", "b"], await ReadAllAsync(buffer));
    }

    [Fact]
    public void TheStreamIsNotOver_UntilTheLastChunkHasCome()
    {
        using var buffer = new StreamBuffer(1024);

        buffer.Add(Chunk(0, "a"));
        buffer.Finish(End(2));

        Assert.False(buffer.Ready.Completion.IsCompleted);
        buffer.Add(Chunk(1, "b"));
        Assert.True(buffer.Ready.TryRead(out _));
        Assert.True(buffer.Ready.TryRead(out _));
        Assert.True(buffer.Ready.Completion.IsCompleted);
    }

    [Fact]
    public async Task AResultThatCountsNoChunks_EndsABegunStreamWithWhatHasCome()
    {
        using var buffer = new StreamBuffer(1024);

        buffer.Add(Chunk(0, "a"));
        buffer.Finish(new CompletionResult(Request, 1, "e", CompletionOutcome.Unreachable, 0, string.Empty, "the dispatcher failed"));

        Assert.Equal(["a"], await ReadAllAsync(buffer));
        Assert.Equal(CompletionOutcome.Unreachable, buffer.End!.Outcome);
    }

    [Fact]
    public void AFirstChunkPastTheBound_StillStartsTheStream_SoTheCallerIsToldWhyItEnds()
    {
        using var buffer = new StreamBuffer(4);

        Assert.True(buffer.Add(Chunk(0, "123456")));
        Assert.True(buffer.IsStarted);
        Assert.True(buffer.IsOverflowed);
    }

    [Fact]
    public async Task MoreHeldThanTheBound_EndsTheStreamAndSignalsTheOverflow()
    {
        using var buffer = new StreamBuffer(10);

        buffer.Add(Chunk(0, "12345"));
        Assert.False(buffer.Overflowed.IsCancellationRequested);
        buffer.Add(Chunk(2, "123456"));

        Assert.True(buffer.Overflowed.IsCancellationRequested);
        await Assert.ThrowsAsync<StreamOverflowException>(() => ReadAllAsync(buffer));
        Assert.Null(buffer.End);
    }

    [Fact]
    public void WhatTheWriterHasWritten_NoLongerCountsAgainstTheBound()
    {
        using var buffer = new StreamBuffer(10);

        for (var i = 0; i < 100; i++)
        {
            buffer.Add(Chunk(i, "12345678"));
            Assert.True(buffer.Ready.TryRead(out var events));
            buffer.Written(events);
        }

        Assert.False(buffer.Overflowed.IsCancellationRequested);
    }
}
