using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Usage;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace BrokerGateway.Tests.Integration;

/// <summary>Streaming over a real RabbitMQ: an ingress, a dispatcher and a watcher, and a fake upstream that streams.</summary>
public class StreamingTests
{
    private static StringContent StreamRequest(string fake, string model = "fake-model", string extra = "") =>
        Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"stream please"}],"stream":true{{extra}},"fake":""" + "{" + fake + "}}");

    private static async Task<HttpResponseMessage> PostStreamAsync(HttpClient client, HttpContent content, HttpCompletionOption option = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        return await client.SendAsync(request, option);
    }

    private static string UsagePath(DistributedStack stack) =>
        stack.Ingress!.Services.GetRequiredService<IOptions<BrokerGateway.Ingress.Database.DatabaseOptions>>().Value.SqlitePath;

    [SkippableFact]
    public async Task HundredConcurrentStreams_EachArrivesWholeInOrderAndUnmixed()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var streams = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            using var response = await PostStreamAsync(client, StreamRequest($$"""
                "chunks": 200, "tag": "s{{i}}-"
                """));
            return (i, response.StatusCode, await ServerSentEvents.ReadAsync(response));
        }));

        foreach (var (i, status, events) in streams)
        {
            var expected = new FakeStream(Chunks: 200, Tag: $"s{i}-").ClientEvents("fake-model").ToList();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(events.Done, $"stream {i} ended with [DONE]");
            Assert.Equal(expected, events.Events);
        }
    }

    public static TheoryData<string> FailuresBeforeTheFirstChunk() => ["500", "429", "closed", "empty-stream", "silent"];

    [SkippableTheory]
    [MemberData(nameof(FailuresBeforeTheFirstChunk))]
    public async Task AFailureBeforeTheFirstChunk_FailsOverAsForAnyRequest(string failure)
    {
        await using var stack = await DistributedStack.CreateAsync();
        await using var flaky = await FakeUpstreamServer.StartAsync();
        flaky.Behavior = failure switch
        {
            "500" => new FakeBehavior(Status: 500),
            "429" => new FakeBehavior(Status: 429),
            "closed" => new FakeBehavior { Abort = true },
            "empty-stream" => new FakeBehavior { Stream = new FakeStream(FailAfterChunks: 0) },
            _ => new FakeBehavior { Stream = new FakeStream(FirstChunkDelay: TimeSpan.FromSeconds(30)) },
        };
        stack.Manifest.Write(
            TestManifest.Entry("flaky", flaky.BaseUrl.ToString(), "flaky-endpoint", ["ha-model"], weight: 1_000_000),
            TestManifest.Entry("steady", stack.Upstream.BaseUrl.ToString(), "steady-endpoint", ["ha-model"], weight: 0.000001));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync(new() { ["METIS_API_TOKENS"] = """{"flaky-endpoint": "k1", "steady-endpoint": "k2"}""" });
        await stack.StartIngressAsync(new()
        {
            ["Routing:Strategy"] = "Weighted",
            ["Routing:AttemptTimeoutSeconds"] = "2",
        });
        var client = stack.Client();

        // Both endpoints consumed first: a failover that finds the second not consumed yet would hand the caller the first one's error.
        await DistributedStack.UntilConsumingAsync(client, 2);
        var response = await Eventually.Until(
            () => PostStreamAsync(client, StreamRequest("\"chunks\": 6", model: "ha-model")),
            r => r.StatusCode != HttpStatusCode.ServiceUnavailable,
            what: "the model routed");
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("steady-endpoint", "2"), (response.Headers.GetValues("x-gateway-endpoint").Single(), response.Headers.GetValues("x-gateway-attempts").Single()));
        Assert.Equal(new FakeStream(Chunks: 6).ClientEvents("ha-model"), events.Events);
        Assert.True(events.Done);
    }

    [SkippableFact]
    public async Task UsageIsRecordedForAStream_AndTheUsageEventIsKeptFromACallerWhoDidNotAskForIt()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 7"));
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.Equal(new FakeStream(Chunks: 7).ClientEvents("fake-model"), events.Events);
        Assert.Contains("\"include_usage\":true", stack.Upstream.Received.Single().Body, StringComparison.Ordinal);
        var row = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath(stack)).FirstOrDefault(r => r.Streamed)),
            r => r is not null,
            what: "the usage row of the stream");
        Assert.Equal((200, FakeStream.PromptTokens + 7, "fake-endpoint"), (row!.Status, row.TotalTokens, row.EndpointId));
    }

    [SkippableFact]
    public async Task AnEndpointMarkedWithoutStreamUsage_GetsTheBodyAsSent_AndItsStreamsAreCountedByEstimate()
    {
        await using var stack = await DistributedStack.CreateAsync();
        stack.Manifest.Write(TestManifest.Entry("fake", stack.Upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"], streamUsage: false));
        await stack.StartWatcherAsync();
        await stack.StartDispatcherAsync();
        await stack.StartIngressAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        var request = StreamRequest("\"chunks\": 5");
        var sent = await request.ReadAsStringAsync();
        using var response = await PostStreamAsync(client, request);
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.Equal(new FakeStream(Chunks: 5).ClientEvents("fake-model"), events.Events);
        Assert.DoesNotContain("stream_options", stack.Upstream.Received.Single().Body, StringComparison.Ordinal);
        var row = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath(stack)).FirstOrDefault(r => r.Streamed)),
            r => r is not null,
            what: "the usage row of the stream");
        Assert.Equal(200, row!.Status);
        Assert.Equal(GatewayRateLimiter.Estimate(System.Text.Encoding.UTF8.GetByteCount(sent)) + events.Events.Count, row.TotalTokens);
    }

    [SkippableFact]
    public async Task ACallerWhoAsksForUsage_GetsTheUsageEvent_AndTheRowCountsIt()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 4", extra: ",\"stream_options\":{\"include_usage\":true}"));
        var events = await ServerSentEvents.ReadAsync(response);

        var stream = new FakeStream(Chunks: 4);
        Assert.Equal(stream.ClientEvents("fake-model").Append(stream.UsageEvent("fake-model")), events.Events);
        var row = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath(stack)).FirstOrDefault(r => r.Streamed)),
            r => r is not null,
            what: "the usage row of the stream");
        Assert.Equal(FakeStream.PromptTokens + 4, row!.TotalTokens);
    }

    [SkippableFact]
    public async Task AFailureAfterTheFirstChunk_EndsTheStreamWithAnErrorEventAndNoDone()
    {
        await using var stack = await DistributedStack.StartAsync();
        var client = await stack.ReadyClientAsync("fake-model");

        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 10, \"fail_after_chunks\": 3, \"chunk_delay_ms\": 100"));
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(events.Done);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => new FakeStream().ContentEvent("fake-model", i)), events.Events.Take(3));
        Assert.Equal(4, events.Events.Count);
        using var error = JsonDocument.Parse(events.Events[^1]);
        Assert.Equal("stream_interrupted", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        var row = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath(stack)).FirstOrDefault(r => r.Streamed)),
            r => r is not null,
            what: "the usage row of the broken stream");
        Assert.Equal(502, row!.Status);
    }

    [SkippableFact]
    public async Task ASilentStream_EndsWithAnIdleTimeoutErrorEvent()
    {
        await using var stack = await DistributedStack.StartAsync(ingress: new() { ["Streaming:IdleTimeoutSeconds"] = "1" });
        var client = await stack.ReadyClientAsync("fake-model");

        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 3, \"chunk_delay_ms\": 5000"));
        var events = await ServerSentEvents.ReadAsync(response);

        Assert.False(events.Done);
        Assert.Equal(new FakeStream().ContentEvent("fake-model", 0), events.Events[0]);
        using var error = JsonDocument.Parse(events.Events[^1]);
        Assert.Equal("stream_idle_timeout", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [SkippableFact]
    public async Task AWaitForTheFirstToken_IsBridgedWithKeepAliveComments()
    {
        await using var stack = await DistributedStack.StartAsync(ingress: new()
        {
            ["Streaming:KeepAliveSeconds"] = "1",
            ["Routing:AttemptTimeoutSeconds"] = "10",
        });
        var client = await stack.ReadyClientAsync("fake-model");

        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 2, \"first_chunk_delay_ms\": 3500"));
        var text = await response.Content.ReadAsStringAsync();
        var events = ServerSentEvents.Parse(text);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(text.IndexOf(": keep-alive", StringComparison.Ordinal) < text.IndexOf("data: ", StringComparison.Ordinal), "keep-alives came before the first event");
        Assert.InRange(events.Comments.Count(c => c == "keep-alive"), 2, 5);
        Assert.Equal(new FakeStream(Chunks: 2).ClientEvents("fake-model"), events.Events);
        Assert.True(events.Done);
    }

    [SkippableFact]
    public async Task AClientThatDisconnectsMidStream_HasTheUpstreamCallAbortedWithinASecond()
    {
        await using var stack = await DistributedStack.StartAsync();
        await stack.ReadyClientAsync("fake-model");

        // A client that drains nothing: disposing the response closes its connection, as a client
        // that goes away does (HttpClient would otherwise keep reading to reuse the connection).
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = stack.Ingress!.Address };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Issue());
        var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 100, \"chunk_delay_ms\": 100"), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[64];
        Assert.True(await body.ReadAsync(first) > 0);
        var received = stack.Upstream.Received.Single();
        Assert.False(received.Aborted);

        var left = Stopwatch.StartNew();
        response.Dispose();

        await Eventually.Until(() => Task.FromResult(received.Aborted), aborted => aborted, timeout: TimeSpan.FromSeconds(1), what: "the upstream call aborted");
        Assert.True(received.ChunksSent is null or < 100);
        Assert.True(left.Elapsed < TimeSpan.FromSeconds(1), $"aborted after {left.Elapsed.TotalMilliseconds:0} ms");

        // The upstream never reported its usage: the row counts an estimate, not nothing.
        var row = await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(UsagePath(stack)).FirstOrDefault(r => r.Streamed)),
            r => r is not null,
            what: "the usage row of the abandoned stream");
        Assert.Equal(499, row!.Status);
        Assert.True(row.TotalTokens > 0);
    }

    [SkippableFact]
    public async Task AReaderTooSlowForTheBound_EndsTheStreamAndTheUpstreamCall()
    {
        await using var stack = await DistributedStack.StartAsync(ingress: new() { ["Streaming:MaxBufferBytes"] = "65536" });
        var client = await stack.ReadyClientAsync("fake-model");

        // 4,000 chunks of 8 KB at a few milliseconds each: far more than the socket buffers and the
        // bound hold together, coming slowly enough that the upstream is still sending when the
        // backlog passes the bound.
        using var response = await PostStreamAsync(client, StreamRequest("\"chunks\": 4000, \"chunk_bytes\": 8192, \"chunk_delay_ms\": 2"), HttpCompletionOption.ResponseHeadersRead);
        var received = stack.Upstream.Received.Single();

        await Eventually.Until(() => Task.FromResult(received.Aborted), aborted => aborted, timeout: TimeSpan.FromSeconds(20), what: "the upstream call aborted");
        Assert.True(received.ChunksSent is null or < 4000);
    }

    [SkippableFact]
    public async Task TheOfficialOpenAiSdk_ReadsAStreamThroughTheGateway()
    {
        await using var stack = await DistributedStack.StartAsync();
        await stack.ReadyClientAsync("mock-gpt");
        var chat = new ChatClient("mock-gpt", new ApiKeyCredential(TestTokens.Issue()), new OpenAIClientOptions { Endpoint = new Uri(stack.Ingress!.Address, "/v1") });

        var text = new System.Text.StringBuilder();
        string? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("the quick brown fox")]))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            finish ??= update.FinishReason?.ToString();
        }

        Assert.Equal("the quick brown fox", text.ToString());
        Assert.Equal("Stop", finish);
    }

    [SkippableFact]
    public async Task TheNpmOpenAiPackage_ReadsAStreamThroughTheGateway()
    {
        await using var stack = await DistributedStack.StartAsync();
        await stack.ReadyClientAsync("mock-gpt");

        var printed = await NodeClient.RunAsync("stream.mjs", new Uri(stack.Ingress!.Address, "/v1").ToString(), TestTokens.Issue(), "mock-gpt", "jumps over the lazy dog");
        using var read = JsonDocument.Parse(printed);

        Assert.Equal("jumps over the lazy dog", read.RootElement.GetProperty("text").GetString());
        Assert.Equal("stop", read.RootElement.GetProperty("finish").GetString());
        Assert.True(read.RootElement.GetProperty("chunks").GetInt32() > 2);
    }
}
