using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Responses;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Responses;

public class ChatEventsToResponsesTests
{
    private static async Task<List<JsonElement>> ReadAsync(ChatEventsToResponses translated)
    {
        var events = new List<JsonElement>();
        await foreach (var data in translated.ReadEventsAsync(CancellationToken.None))
        {
            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }

        return events;
    }

    [Fact]
    public async Task TextThenAToolCall_ArriveAsTheResponsesApisEvents_InOpenAisOrder()
    {
        using var translated = new ChatEventsToResponses(new ScriptedEvents(
            """{"id":"c1","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me"}}]}""",
            """{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":" look."}}]}""",
            """{"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"lookup","arguments":""}}]}}]}""",
            """{"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":1}"}}]}}]}""",
            """{"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
            """{"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38}}""",
            "[DONE]"), TimeProvider.System);

        var events = await ReadAsync(translated);

        Assert.Equal(
            [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("sequence_number").GetInt32()));
        Assert.Equal(1, events[6].GetProperty("output_index").GetInt32());
        Assert.Equal("Let me look.", events[8].GetProperty("text").GetString());
        Assert.Equal("""{"q":1}""", events[11].GetProperty("arguments").GetString());
        var completed = events[^1].GetProperty("response");
        Assert.Equal(events[0].GetProperty("response").GetProperty("id").GetString(), completed.GetProperty("id").GetString());
        Assert.Equal(("completed", 30, 8), (completed.GetProperty("status").GetString(), completed.GetProperty("usage").GetProperty("input_tokens").GetInt32(), completed.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        Assert.Equal(["message", "function_call"], completed.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()));
        Assert.Contains("\"prompt_tokens\":30", translated.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamCutByItsLength_EndsIncomplete_AndOneOfOnlyDone_RelaysNothing()
    {
        using var cut = new ChatEventsToResponses(new ScriptedEvents(
            """{"id":"c2","model":"m","choices":[{"index":0,"delta":{"content":"Hal"}}]}""",
            """{"id":"c2","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"""), TimeProvider.System);
        using var empty = new ChatEventsToResponses(new ScriptedEvents("[DONE]"), TimeProvider.System);

        var events = await ReadAsync(cut);

        Assert.Equal("response.incomplete", events[^1].GetProperty("type").GetString());
        Assert.Equal("max_output_tokens", events[^1].GetProperty("response").GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Empty(await ReadAsync(empty));
    }

    [Fact]
    public async Task AnErrorChunk_FailsTheStream()
    {
        using var failing = new ChatEventsToResponses(new ScriptedEvents("""{"error":{"type":"overloaded_error","message":"busy"}}"""), TimeProvider.System);

        await Assert.ThrowsAsync<UpstreamStreamError>(() => ReadAsync(failing));
    }
}
