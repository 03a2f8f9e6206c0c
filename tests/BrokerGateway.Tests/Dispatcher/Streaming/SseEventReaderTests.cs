using System.Text;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Tests.Dispatcher.Streaming;

public sealed class SseEventReaderTests
{
    private static async Task<List<string>> ReadAllAsync(string text)
    {
        using var reader = new SseEventReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var events = new List<string>();
        await foreach (var data in reader.ReadEventsAsync(CancellationToken.None))
        {
            events.Add(data);
        }

        return events;
    }

    [Fact]
    public async Task EventsAreTheirDataLines_WithoutTheFieldName()
    {
        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "[DONE]"], await ReadAllAsync("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n"));
    }

    [Fact]
    public async Task CommentsOtherFieldsAndCarriageReturns_AreHandledAsTheSpecificationSays()
    {
        var text = ": keep-alive\r\n\r\nevent: message\r\nid: 7\r\ndata:no-space\r\ndata:  two spaces\r\n\r\n";

        Assert.Equal(["no-space\n two spaces"], await ReadAllAsync(text));
    }

    [Fact]
    public async Task ALineLongerThanTheBound_EndsTheStreamAsBroken()
    {
        var endless = "data: " + new string('x', SseEventReader.MaxLineBytes + 1);

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(endless));
    }

    [Fact]
    public async Task AnEmptyStream_HasNoEvents()
    {
        Assert.Empty(await ReadAllAsync("\n\n: nothing\n\n"));
    }
}
