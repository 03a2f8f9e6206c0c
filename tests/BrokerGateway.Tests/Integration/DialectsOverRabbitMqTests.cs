using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The Messages API over a real RabbitMQ, ingress and dispatcher apart: the route and the caller's
/// Anthropic headers cross the broker, a stream arrives as Anthropic's named events.
/// </summary>
public class DialectsOverRabbitMqTests
{
    [SkippableFact]
    public async Task AMessage_AndAStreamedOne_CrossTheBroker_WithTheCallersAnthropicHeaders()
    {
        await using var stack = await DistributedStack.CreateAsync();
        await using var anthropic = await FakeAnthropicServer.StartNewAsync();
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", anthropic.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5"]);
        claude["api"] = "anthropic";
        stack.Manifest.Write(claude, TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"claude-endpoint": "sk-ant-over-the-broker-0123"}""" });
        await stack.StartIngressAsync();
        var client = await stack.ReadyClientAsync("claude-sonnet-4-5");
        client.DefaultRequestHeaders.Add("anthropic-beta", "beta-over-the-broker");

        var message = await client.PostAsync("/v1/messages", Json.Body("""{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"""));
        var streamed = await client.PostAsync("/v1/messages", Json.Body("""{"model":"mock-gpt","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"echo over the broker"}]}"""));

        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        Assert.Equal(FakeAnthropicServer.Text, (await Json.ReadAsync(message)).GetProperty("content")[0].GetProperty("text").GetString());
        var sent = Assert.Single(anthropic.Received, r => r.Path == "/v1/messages" && r.Body.Contains("\"hi\"", StringComparison.Ordinal));
        Assert.Equal(("sk-ant-over-the-broker-0123", "beta-over-the-broker"), (sent.Header("x-api-key"), sent.Header("anthropic-beta")));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var text = await streamed.Content.ReadAsStringAsync();
        var names = text.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..]).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("message_stop", names[^1]);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        var deltas = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l.Contains("text_delta", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("delta").GetProperty("text").GetString());
        Assert.Contains("echo over the broker", string.Concat(deltas), StringComparison.Ordinal);
    }
}
