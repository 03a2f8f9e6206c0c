using System.Text.Json;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Tests.Dispatcher.Streaming;

public sealed class StreamUsageTests
{
    private static JsonElement Options(string body) => JsonDocument.Parse(body).RootElement.GetProperty("stream_options");

    [Fact]
    public void ABodyWithoutStreamOptions_AsksForUsage_AndOtherwiseStaysAsItWas()
    {
        const string body = """{"model":"m","messages":[{"role":"user","content":"é"}],"stream":true}""";

        var (sent, asked) = StreamUsage.Request(body);

        Assert.False(asked);
        Assert.StartsWith(body[..^1], sent, StringComparison.Ordinal);
        Assert.True(Options(sent).GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public void ACallerWhoAskedForUsage_IsSeenToHaveAsked_AndTheBodyIsUnchanged()
    {
        const string body = """{"model":"m","stream":true,"stream_options":{"include_usage":true}}""";

        Assert.Equal((body, true), StreamUsage.Request(body));
    }

    [Fact]
    public void StreamOptionsWithoutUsage_GetUsageAdded_KeepingTheOtherOptions()
    {
        var (sent, asked) = StreamUsage.Request("""{"model":"m","stream":true,"stream_options":{"include_usage":false,"other":1}}""");

        Assert.False(asked);
        Assert.True(Options(sent).GetProperty("include_usage").GetBoolean());
        Assert.Equal(1, Options(sent).GetProperty("other").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream":true}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"x":1},"stream_options":{"y":2}}""")]
    public void ABodyWithDuplicatedKeys_StillAsksForUsage(string body)
    {
        var (sent, asked) = StreamUsage.Request(body);

        Assert.False(asked);
        using var document = JsonDocument.Parse(sent);
        Assert.All(document.RootElement.EnumerateObject().Where(p => p.NameEquals("stream_options")),
            options => Assert.True(options.Value.GetProperty("include_usage").GetBoolean()));
        Assert.Contains(document.RootElement.EnumerateObject(), p => p.NameEquals("stream_options"));
    }

    [Fact]
    public void ABodyThatIsNotJson_IsPassedOnUnchanged()
    {
        Assert.Equal(("{oops", true), StreamUsage.Request("{oops"));
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true}""", false)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false}}""", false)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""", true)]
    [InlineData("""not json""", true)]
    public void CallerAsked_IsTrueOnlyWhenTheCallerSetIncludeUsage_OrTheBodyIsTheUpstreamsToJudge(string body, bool asked)
    {
        Assert.Equal(asked, StreamUsage.CallerAsked(body));
    }

    [Theory]
    [InlineData("""{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}""", true)]
    [InlineData("""{"choices":[{"index":0,"delta":{}}],"usage" : {"total_tokens":3}}""", false)]
    public void AnEventWithAUsageObject_IsRead_AndSaysWhetherItHoldsNothingElse(string data, bool usageOnly)
    {
        Assert.True(StreamUsage.TryRead(data, out var usage, out var only));
        Assert.Equal(usageOnly, only);
        Assert.Equal(3, JsonDocument.Parse(usage!).RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"the word \"usage\": {"}}]}""")]
    [InlineData("[DONE]")]
    public void AnEventWithoutAUsageObject_IsNotTakenForOne(string data)
    {
        Assert.False(StreamUsage.TryRead(data, out _, out _));
    }
}
