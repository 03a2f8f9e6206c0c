using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Messages;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Messages;

public class MessagesToChatTests
{
    private static JsonElement Translate(string body, bool stream = false)
    {
        using var document = JsonDocument.Parse(MessagesToChat.Translate(body, stream));
        return document.RootElement.Clone();
    }

    [Fact]
    public void ToolUseAndToolResults_BecomeToolCallsAndToolMessages_InTheOrderChatNeeds()
    {
        var chat = Translate("""
            {"model":"m","max_tokens":20,"system":[{"type":"text","text":"Rule one."},{"type":"text","text":"Rule two."}],
             "stop_sequences":["END"],"metadata":{"user_id":"u-7"},"top_k":5,
             "tools":[{"name":"lookup","description":"Look up","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"tool","name":"lookup","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":"Find it"},
               {"role":"assistant","content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"t1","name":"lookup","input":{"q":"it"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"found"}]},{"type":"text","text":"Thanks"},
                                         {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw=="}}]}]}
            """);

        var messages = chat.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Rule one.\n\nRule two.", messages[0].GetProperty("content").GetString());
        var call = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal(("t1", "lookup", """{"q":"it"}"""), (call.GetProperty("id").GetString(), call.GetProperty("function").GetProperty("name").GetString(), call.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal(("t1", "found"), (messages[3].GetProperty("tool_call_id").GetString(), messages[3].GetProperty("content").GetString()));
        Assert.Equal("data:image/png;base64,iVBORw==", messages[4].GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("""{"type":"function","function":{"name":"lookup"}}""", chat.GetProperty("tool_choice").GetRawText());
        Assert.False(chat.GetProperty("parallel_tool_calls").GetBoolean());
        Assert.Equal(("u-7", 20), (chat.GetProperty("user").GetString(), chat.GetProperty("max_tokens").GetInt32()));
        Assert.Equal(["END"], chat.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
        Assert.False(chat.TryGetProperty("top_k", out _));
    }

    [Fact]
    public void AStream_AsksForUsage()
    {
        var chat = Translate("""{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}""", stream: true);

        Assert.True(chat.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public void AStreamToAnEntryThatRefusesStreamOptions_DoesNotAskForUsage()
    {
        using var document = JsonDocument.Parse(MessagesToChat.Translate("""{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}""", stream: true, askUsage: false));

        Assert.True(document.RootElement.GetProperty("stream").GetBoolean());
        Assert.False(document.RootElement.TryGetProperty("stream_options", out _));
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"\ud800"}]}""", null)]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}""", "messages.0")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}""", "messages.0")]
    [InlineData("""{"model":"m","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]}""", "tools")]
    public void WhatHasNoCounterpart_IsRefused(string body, string? param)
    {
        Assert.Equal(param, Assert.Throws<DialectRefusal>(() => Translate(body)).Param);
    }
}
