using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects.Messages;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Messages;

public class ChatEventsToMessagesTests
{
    [Fact]
    public async Task TextThenAToolCall_BecomeTwoBlocks_AndTheEndCarriesStopReasonAndUsage()
    {
        using var translated = new ChatEventsToMessages(new ScriptedEvents(
            """{"id":"c1","model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me"}}]}""",
            """{"id":"c1","model":"gpt","choices":[{"index":0,"delta":{"content":" look."}}]}""",
            """{"id":"c1","model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"lookup","arguments":""}}]}}]}""",
            """{"id":"c1","model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":1}"}}]}}]}""",
            """{"id":"c1","model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
            """{"id":"c1","model":"gpt","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":8,"prompt_tokens_details":{"cached_tokens":10}}}""",
            "[DONE]"));
        var events = new List<JsonElement>();
        await foreach (var data in translated.ReadEventsAsync(CancellationToken.None))
        {
            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }

        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("msg_c1", events[0].GetProperty("message").GetProperty("id").GetString());
        Assert.Equal(("tool_use", "call_1", "lookup"), (events[5].GetProperty("content_block").GetProperty("type").GetString(), events[5].GetProperty("content_block").GetProperty("id").GetString(), events[5].GetProperty("content_block").GetProperty("name").GetString()));
        Assert.Equal("""{"q":1}""", events[6].GetProperty("delta").GetProperty("partial_json").GetString());
        var end = events[8];
        Assert.Equal("tool_use", end.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal((20, 10, 8), (end.GetProperty("usage").GetProperty("input_tokens").GetInt32(), end.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32(), end.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        Assert.Contains("\"prompt_tokens\":30", translated.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamEndingWithoutDone_StillEndsWithMessageStop()
    {
        using var translated = new ChatEventsToMessages(new ScriptedEvents(
            """{"id":"c2","model":"gpt","choices":[{"index":0,"delta":{"content":"Hi"}}]}""",
            """{"id":"c2","model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""));
        var types = new List<string?>();
        await foreach (var data in translated.ReadEventsAsync(CancellationToken.None))
        {
            types.Add(JsonDocument.Parse(data).RootElement.GetProperty("type").GetString());
        }

        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], types);
    }

    [Fact]
    public async Task ToolCallsEndingInStop_EndAsToolUse_AndAStreamOfOnlyDone_RelaysNothing()
    {
        using var tools = new ChatEventsToMessages(new ScriptedEvents(
            """{"id":"c3","model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}""",
            """{"id":"c3","model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
            "[DONE]"));
        using var empty = new ChatEventsToMessages(new ScriptedEvents("[DONE]"));
        string? stop = null;
        await foreach (var data in tools.ReadEventsAsync(CancellationToken.None))
        {
            using var e = JsonDocument.Parse(data);
            if (e.RootElement.GetProperty("type").GetString() == "message_delta")
            {
                stop = e.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString();
            }
        }

        var relayed = 0;
        await foreach (var _ in empty.ReadEventsAsync(CancellationToken.None))
        {
            relayed++;
        }

        Assert.Equal("tool_use", stop);
        Assert.Equal(0, relayed);
    }
}
