using System.Text;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Api;

namespace BrokerGateway.Tests.Ingress;

public class RequestValidatorTests
{
    private static (string? Model, string? Code, string? Param, int? Status) Validate(UpstreamRoute route, string body)
    {
        var (model, _, error) = RequestValidator.Validate(route, Encoding.UTF8.GetBytes(body));
        return (model, error?.Code, error?.Param, error?.Status);
    }

    [Theory]
    [InlineData("{bad", "invalid_json", null)]
    [InlineData("[1,2]", "invalid_json", null)]
    [InlineData("{}", "missing_required_parameter", "model")]
    [InlineData("""{"model":1,"messages":[]}""", "invalid_type", "model")]
    [InlineData("""{"model":"","messages":[]}""", "invalid_value", "model")]
    [InlineData("""{"model":"x\u0000","messages":[]}""", "invalid_value", "model")]
    [InlineData("""{"model":"m"}""", "missing_required_parameter", "messages")]
    [InlineData("""{"model":"m","messages":"hi"}""", "invalid_type", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "invalid_value", "messages")]
    [InlineData("""{"model":"m","messages":["hi"]}""", "invalid_type", "messages[0]")]
    [InlineData("""{"model":"m","messages":[{"content":"hi"}]}""", "missing_required_parameter", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "invalid_type", "stream")]
    public void Validate_BadChatBody_Is400WithCodeAndParam(string body, string code, string? param)
    {
        var (model, actualCode, actualParam, status) = Validate(UpstreamRoute.ChatCompletions, body);

        Assert.Null(model);
        Assert.Equal(400, status);
        Assert.Equal(code, actualCode);
        Assert.Equal(param, actualParam);
    }

    [Theory]
    [InlineData(UpstreamRoute.ChatCompletions, """{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}""", true)]
    [InlineData(UpstreamRoute.Completions, """{"model":"m","prompt":"hi","stream":true}""", true)]
    [InlineData(UpstreamRoute.ChatCompletions, """{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":null}""", false)]
    [InlineData(UpstreamRoute.Completions, """{"model":"m","prompt":"hi"}""", false)]
    public void Validate_SaysWhetherTheRequestAsksForAStream(UpstreamRoute route, string body, bool expected)
    {
        var (model, stream, error) = RequestValidator.Validate(route, Encoding.UTF8.GetBytes(body));

        Assert.Null(error);
        Assert.Equal("m", model);
        Assert.Equal(expected, stream);
    }

    [Fact]
    public void Validate_StreamedEmbeddings_AreRefused()
    {
        var (model, code, param, status) = Validate(UpstreamRoute.Embeddings, """{"model":"m","input":"x","stream":true}""");

        Assert.Null(model);
        Assert.Equal((400, "unsupported_parameter", "stream"), (status, code, param));
    }

    [Theory]
    [InlineData(UpstreamRoute.Completions, """{"model":"m"}""", "prompt")]
    [InlineData(UpstreamRoute.Completions, """{"model":"m","prompt":5}""", "prompt")]
    [InlineData(UpstreamRoute.Embeddings, """{"model":"m"}""", "input")]
    [InlineData(UpstreamRoute.Embeddings, """{"model":"m","input":{"a":1}}""", "input")]
    public void Validate_MissingOrWrongInput_NamesTheParameter(UpstreamRoute route, string body, string param)
    {
        Assert.Equal(param, Validate(route, body).Param);
    }

    [Theory]
    [InlineData(UpstreamRoute.ChatCompletions, """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":false,"anything":{"x":1}}""")]
    [InlineData(UpstreamRoute.Completions, """{"model":"gpt-4o","prompt":["a","b"]}""")]
    [InlineData(UpstreamRoute.Embeddings, """{"model":"gpt-4o","input":"text"}""")]
    public void Validate_GoodBody_ReturnsTheModel(UpstreamRoute route, string body)
    {
        var (model, code, _, _) = Validate(route, body);

        Assert.Equal("gpt-4o", model);
        Assert.Null(code);
    }

    [Fact]
    public void Validate_ModelWithALoneSurrogate_Is400NotAnException()
    {
        var (model, code, param, status) = Validate(UpstreamRoute.ChatCompletions, """{"model":"\ud800","messages":[{"role":"user","content":"x"}]}""");

        Assert.Null(model);
        Assert.Equal(400, status);
        Assert.Equal("invalid_value", code);
        Assert.Equal("model", param);
    }

    [Fact]
    public void Validate_BytesThatAreNotUtf8_Is400()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":" """), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}]}")];

        var (_, _, error) = RequestValidator.Validate(UpstreamRoute.ChatCompletions, body);

        Assert.Equal("invalid_encoding", error!.Code);
    }

    [Fact]
    public void Validate_ModelLongerThanTheCap_Is400()
    {
        var body = "{\"model\":\"" + new string('m', RequestValidator.MaxModelLength + 1) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

        Assert.Equal("invalid_value", Validate(UpstreamRoute.ChatCompletions, body).Code);
    }
}
