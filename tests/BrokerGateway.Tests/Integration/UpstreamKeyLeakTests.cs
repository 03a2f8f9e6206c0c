using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// An upstream that quotes back the <c>Authorization</c> header it received — in an error in
/// OpenAI's shape (relayed word for word), in an error of its own shape (quoted in the gateway's
/// error), in an answer, in a stream — never hands the gateway's upstream key to a caller: the
/// dispatcher, which holds the key, takes it out of whatever it relays. Over a real RabbitMQ.
/// </summary>
public class UpstreamKeyLeakTests
{
    private static string Quoting(string fake) =>
        $$"""{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"fake":{{fake}}}""";

    public static TheoryData<string, int> Answers() => new()
    {
        { """{"status":400,"body":"{\"error\":{\"message\":\"Bad header: Authorization: {authorization}\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"}""", 400 },
        { """{"status":422,"body":"Rejected. Your request had Authorization: {authorization}"}""", 422 },
        { """{"status":200,"body":"{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"you sent {authorization}\"},\"finish_reason\":\"stop\"}]}"}""", 200 },
        { """{"status":500,"body":"upstream proxy failed for {authorization}"}""", 502 },
    };

    [SkippableTheory]
    [MemberData(nameof(Answers))]
    public async Task AnUpstreamQuotingTheKey_DoesNotPassItToTheCaller(string fake, int status)
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Quoting(fake)));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"Bearer {DistributedStack.UpstreamKey}", stack.Upstream.Received[^1].Authorization);
        Assert.DoesNotContain(DistributedStack.UpstreamKey, text, StringComparison.Ordinal);
        if (status is 200 or 400)
        {
            // Relayed as the upstream sent it, but for the key.
            Assert.Contains("Bearer [redacted]", text, StringComparison.Ordinal);
            JsonDocument.Parse(text).Dispose();
        }
    }

    [SkippableFact]
    public async Task AStreamQuotingTheKey_DoesNotPassItToTheCaller()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(
            """{"model":"fake-model","stream":true,"messages":[{"role":"user","content":"hi"}],"fake":{"chunks":3,"tag":"key=""" + FakeUpstreamServer.EchoAuthorization + """ "}}"""));
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(events.Done);
        Assert.Equal(4, events.Events.Count);
        Assert.All(events.Events.Take(3), e => Assert.Contains("key=Bearer [redacted]", e, StringComparison.Ordinal));
        Assert.DoesNotContain(DistributedStack.UpstreamKey, string.Join("\n", events.Data), StringComparison.Ordinal);
    }
}
