using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Anthropic;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Anthropic;

public class AnthropicEventsTests
{
    private static async Task<List<string>> ReadAsync(params string[] events)
    {
        using var translated = new AnthropicEvents(new ScriptedEvents(events), new FakeTimeProvider());
        var chunks = new List<string>();
        await foreach (var chunk in translated.ReadEventsAsync(CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        return chunks;
    }

    [Fact]
    public async Task AnErrorEvent_FailsTheStream()
    {
        var failure = await Assert.ThrowsAsync<UpstreamStreamError>(() => ReadAsync(
            """{"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}""",
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));

        Assert.Equal("overloaded_error", failure.Message);
    }

    [Fact]
    public async Task AToolCallWithoutArguments_GetsAnEmptyObject()
    {
        var chunks = await ReadAsync(
            """{"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"now","input":{}}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_stop"}""");

        var arguments = string.Concat(chunks.Where(c => c.Contains("tool_calls", StringComparison.Ordinal))
            .Select(c => JsonDocument.Parse(c).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("{}", arguments);
    }

    [Fact]
    public async Task TheEnd_GivesTheFinishReason_TheUsageWithCachedTokens_AndDone()
    {
        var chunks = await ReadAsync(
            """{"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":5,"cache_read_input_tokens":10,"cache_creation_input_tokens":1,"output_tokens":1}}}""",
            """{"type":"ping"}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}""",
            """{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":30}}""",
            """{"type":"message_stop"}""");

        Assert.Equal(4, chunks.Count);
        Assert.Equal("length", JsonDocument.Parse(chunks[1]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = JsonDocument.Parse(chunks[2]).RootElement.GetProperty("usage");
        Assert.Equal((16, 30, 46, 10), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32(), usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32()));
        Assert.Equal("[DONE]", chunks[3]);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData(""" a \"quote\" and a back\\slash\\""")]
    [InlineData(""" line\nbreak \u00e9 \ud83d\ude00 </script>""")]
    [InlineData("")]
    public async Task TextDeltas_CopiedStillEscaped_ReadAsTheParsedOnesDo(string escaped)
    {
        var delta = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + escaped + "\"}}";

        // The first text delta is written through the JSON writer; every later one is copied.
        var chunks = await ReadAsync(
            """{"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            delta,
            delta,
            """{"type":"message_stop"}""");

        var contents = chunks.Skip(1).Take(2).Select(c => JsonDocument.Parse(c).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()).ToList();
        Assert.Equal(JsonDocument.Parse("\"" + escaped + "\"").RootElement.GetString(), contents[0]);
        Assert.Equal(contents[0], contents[1]);
        Assert.Equal(JsonDocument.Parse(chunks[1]).RootElement.GetProperty("id").GetString(), JsonDocument.Parse(chunks[2]).RootElement.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"open\\\"}}")]
    [InlineData("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\",\"x\":\"b\"}}")]
    [InlineData("{\"index\":0,\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}")]
    [InlineData("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"a\"}}")]
    public void AnyOtherLayout_IsLeftToTheParser(string data)
    {
        Assert.True(AnthropicEvents.TextDeltaLiteral(data).IsEmpty);
    }
}
