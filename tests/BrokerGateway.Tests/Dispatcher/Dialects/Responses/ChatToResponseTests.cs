using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects.Responses;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Responses;

public class ChatToResponseTests
{
    [Fact]
    public void AChatCompletion_BecomesAResponse_WithItsTextToolCallsAndUsage()
    {
        var response = JsonDocument.Parse(ChatToResponse.Answer("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38,"prompt_tokens_details":{"cached_tokens":10},"completion_tokens_details":{"reasoning_tokens":2}}}
            """)!).RootElement;

        Assert.Equal(("response", "completed", "m", 1700000000L, false), (response.GetProperty("object").GetString(), response.GetProperty("status").GetString(), response.GetProperty("model").GetString(), response.GetProperty("created_at").GetInt64(), response.GetProperty("store").GetBoolean()));
        Assert.StartsWith("resp_", response.GetProperty("id").GetString(), StringComparison.Ordinal);
        var output = response.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["message", "function_call"], output.Select(o => o.GetProperty("type").GetString()));
        Assert.Equal("Checking.", output[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(("call_1", "weather", """{"city":"Oslo"}"""), (output[1].GetProperty("call_id").GetString(), output[1].GetProperty("name").GetString(), output[1].GetProperty("arguments").GetString()));
        var usage = response.GetProperty("usage");
        Assert.Equal((30, 10, 8, 2, 38), (usage.GetProperty("input_tokens").GetInt32(), usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32(), usage.GetProperty("output_tokens").GetInt32(), usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public void AnAnswerCutByItsLength_IsIncomplete_AndABodyThatIsNoChatCompletion_IsUnreadable()
    {
        var response = JsonDocument.Parse(ChatToResponse.Answer("""{"id":"c","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Half"},"finish_reason":"length"}]}""")!).RootElement;

        Assert.Equal(("incomplete", "max_output_tokens"), (response.GetProperty("status").GetString(), response.GetProperty("incomplete_details").GetProperty("reason").GetString()));
        Assert.Null(ChatToResponse.Answer("""{"object":"list"}"""));
    }
}
