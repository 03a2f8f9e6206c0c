using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Mock;

namespace BrokerGateway.Tests.Dispatcher;

public class MockProviderTests
{
    private static JsonElement Answer(UpstreamRoute route, string body)
    {
        var result = new MockProvider(TimeProvider.System).Answer(new SubmitCompletion(Guid.NewGuid(), 1, "mock", route, body, DateTimeOffset.MaxValue, DateTimeOffset.MaxValue));
        Assert.Equal(CompletionOutcome.Answered, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        return JsonDocument.Parse(result.Body).RootElement;
    }

    [Fact]
    public void Chat_EchoesTheLastUserMessageWithUsage()
    {
        var answer = Answer(UpstreamRoute.ChatCompletions, """
            {"model":"mock-gpt","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"Hello from FIRST!"}]}
            """);

        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        Assert.Equal("mock-gpt", answer.GetProperty("model").GetString());
        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("Hello from FIRST!", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = answer.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public void Chat_ContentAsParts_EchoesTheTextParts()
    {
        var answer = Answer(UpstreamRoute.ChatCompletions, """{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"part one"}]}]}""");

        Assert.Equal("part one", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public void Completion_EchoesThePrompt()
    {
        var answer = Answer(UpstreamRoute.Completions, """{"model":"m","prompt":"Say this"}""");

        Assert.Equal("Say this", answer.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Embeddings_SameInput_SameUnitVector()
    {
        var first = Answer(UpstreamRoute.Embeddings, """{"model":"m","input":["alpha","beta"]}""");
        var second = Answer(UpstreamRoute.Embeddings, """{"model":"m","input":"alpha"}""");

        var alpha = first.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var beta = first.GetProperty("data")[1].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var again = second.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(64, alpha.Length);
        Assert.Equal(alpha, again);
        Assert.NotEqual(alpha, beta);
        Assert.Equal(1.0, Math.Sqrt(alpha.Sum(v => (double)v * v)), 3);
    }

    [Fact]
    public void Embeddings_Dimensions_AreHonoured()
    {
        var answer = Answer(UpstreamRoute.Embeddings, """{"model":"m","input":"x","dimensions":8}""");

        Assert.Equal(8, answer.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public void Chat_ContentWithALoneSurrogate_Is400NotAFault()
    {
        var result = new MockProvider(TimeProvider.System).Answer(new SubmitCompletion(
            Guid.NewGuid(), 1, "mock", UpstreamRoute.ChatCompletions, """{"model":"m","messages":[{"role":"user","content":"\udc00"}]}""", DateTimeOffset.MaxValue, DateTimeOffset.MaxValue));

        Assert.Equal(400, result.StatusCode);
        Assert.Contains("\"error\"", result.Body, StringComparison.Ordinal);
    }
}
