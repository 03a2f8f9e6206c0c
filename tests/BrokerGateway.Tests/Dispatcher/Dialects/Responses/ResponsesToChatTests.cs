using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Responses;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Responses;

public class ResponsesToChatTests
{
    private static JsonElement Translate(string body, bool stream = false) =>
        JsonDocument.Parse(ResponsesToChat.Translate(body, stream)).RootElement.Clone();

    [Fact]
    public void InstructionsAndATextInput_BecomeASystemAndAUserMessage_WithTheSettingsCarriedOver()
    {
        var chat = Translate("""{"model":"m","instructions":"Be brief.","input":"Hi","max_output_tokens":50,"temperature":0.2,"top_p":0.9,"user":"u1","store":true,"text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object"},"strict":true}},"reasoning":{"effort":"low"}}""", stream: true);

        Assert.Equal("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]""", chat.GetProperty("messages").GetRawText());
        Assert.Equal((50, 0.2, 0.9, "u1", "low"), (chat.GetProperty("max_tokens").GetInt32(), chat.GetProperty("temperature").GetDouble(), chat.GetProperty("top_p").GetDouble(), chat.GetProperty("user").GetString(), chat.GetProperty("reasoning_effort").GetString()));
        Assert.Equal("""{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}}""", chat.GetProperty("response_format").GetRawText());
        Assert.True(chat.GetProperty("stream").GetBoolean());
        Assert.True(chat.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(chat.TryGetProperty("store", out _));
    }

    [Fact]
    public void Items_BecomeTheConversation_WithToolCallsJoinedAndTheirOutputsAsToolMessages()
    {
        var chat = Translate("""
            {"model":"m","input":[
              {"role":"developer","content":"Use tools."},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
              {"type":"reasoning","id":"rs_1","summary":[]},
              {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Oslo\"}"},
              {"type":"function_call","call_id":"call_2","name":"weather","arguments":"{\"city\":\"Bergen\"}"},
              {"type":"function_call_output","call_id":"call_1","output":"rain"},
              {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"sun"}]},
              {"role":"assistant","content":[{"type":"output_text","text":"Rain and sun."}]}
            ],
            "tools":[{"type":"function","name":"weather","description":"d","parameters":{"type":"object"},"strict":true}],
            "tool_choice":{"type":"function","name":"weather"},"parallel_tool_calls":false}
            """);

        var messages = chat.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["developer", "user", "assistant", "tool", "tool", "assistant"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("""[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]""", messages[1].GetProperty("content").GetRawText());
        var calls = messages[2].GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(["call_1", "call_2"], calls.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("""{"city":"Bergen"}""", calls[1].GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal(("call_2", "sun"), (messages[4].GetProperty("tool_call_id").GetString(), messages[4].GetProperty("content").GetString()));
        Assert.Equal("Rain and sun.", messages[5].GetProperty("content").GetString());
        Assert.Equal("""[{"type":"function","function":{"name":"weather","description":"d","parameters":{"type":"object"},"strict":true}}]""", chat.GetProperty("tools").GetRawText());
        Assert.Equal("""{"type":"function","function":{"name":"weather"}}""", chat.GetProperty("tool_choice").GetRawText());
        Assert.False(chat.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Theory]
    [InlineData("""{"model":"m","input":"Hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"model":"m","input":"Hi","conversation":"conv_1"}""", "conversation")]
    [InlineData("""{"model":"m","input":"Hi","background":true}""", "background")]
    [InlineData("""{"model":"m","prompt":{"id":"pmpt_1"}}""", "prompt")]
    [InlineData("""{"model":"m","input":[{"type":"item_reference","id":"msg_1"}]}""", "input[0]")]
    [InlineData("""{"model":"m","input":"Hi","tools":[{"type":"web_search"}]}""", "tools[0]")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"file_1"}]}]}""", "input[0].content[0]")]
    public void WhatNeedsStoredStateOrOpenAisServers_IsRefused_NamingTheField(string body, string param)
    {
        var refusal = Assert.Throws<DialectRefusal>(() => ResponsesToChat.Translate(body, stream: false));

        Assert.Equal(param, refusal.Param);
    }
}
