using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Anthropic;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Anthropic;

public class AnthropicRequestTests
{
    private static JsonElement Translate(string body, bool stream = false)
    {
        using var document = JsonDocument.Parse(AnthropicRequest.FromChat(body, defaultMaxTokens: 1000, stream));
        return document.RootElement.Clone();
    }

    [Fact]
    public void DeveloperAndSystemMessages_BecomeTheSystemPrompt_AndTurnsOfOneRoleAreJoined()
    {
        var sent = Translate("""
            {"model":"claude","max_completion_tokens":50,"user":"u-1","stop":["A","B"],"top_p":0.9,"seed":7,"messages":[
              {"role":"developer","content":[{"type":"text","text":"Be brief."}]},
              {"role":"user","content":"one"},{"role":"user","content":"two"},
              {"role":"system","content":"Late rule."}]}
            """);

        Assert.Equal(50, sent.GetProperty("max_tokens").GetInt32());
        Assert.Equal(["Be brief.", "Late rule."], sent.GetProperty("system").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        var turn = Assert.Single(sent.GetProperty("messages").EnumerateArray());
        Assert.Equal(["one", "two"], turn.GetProperty("content").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal(["A", "B"], sent.GetProperty("stop_sequences").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("u-1", sent.GetProperty("metadata").GetProperty("user_id").GetString());
        Assert.Equal(0.9, sent.GetProperty("top_p").GetDouble(), 3);
        Assert.False(sent.TryGetProperty("seed", out _));
        Assert.False(sent.TryGetProperty("stream", out _));
    }

    [Theory]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("""{"type":"function","function":{"name":"lookup"}}""", """{"type":"tool","name":"lookup"}""")]
    public void ToolChoice_IsMapped(string choice, string expected)
    {
        var sent = Translate("""{"model":"c","messages":[{"role":"user","content":"x"}],"tool_choice":""" + choice + """
            ,"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}]}
            """);

        Assert.Equal(expected, sent.GetProperty("tool_choice").GetRawText());
        Assert.Equal("string", sent.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("properties").GetProperty("q").GetProperty("type").GetString());
    }

    [Fact]
    public void WithoutMaxTokens_TheDefaultIsSent_AndAStreamSaysSo()
    {
        var sent = Translate("""{"model":"c","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}""", stream: true);

        Assert.Equal(1000, sent.GetProperty("max_tokens").GetInt32());
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.False(sent.TryGetProperty("stream_options", out _));
    }

    [Theory]
    [InlineData("""{"model":"c","n":2,"messages":[{"role":"user","content":"x"}]}""", "n")]
    [InlineData("""{"model":"c","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}""", "messages[0]")]
    [InlineData("""{"model":"c","messages":[{"role":"function","name":"f","content":"x"}]}""", "messages[0]")]
    [InlineData("""{"model":"c","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"not json"}}]}]}""", "messages[0]")]
    [InlineData("""{"model":"c","messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search"}]}""", "tools")]
    [InlineData("""{"model":"c","messages":[]}""", "messages")]
    public void WhatHasNoCounterpart_IsRefusedNamingTheField(string body, string param)
    {
        var refusal = Assert.Throws<DialectRefusal>(() => Translate(body));

        Assert.Equal(param, refusal.Param);
    }
}
