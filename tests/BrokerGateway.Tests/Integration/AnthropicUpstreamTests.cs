using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using OpenAI.Chat;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The OpenAI .NET SDK, as a caller, against a standalone gateway whose "claude" entry is an
/// Anthropic upstream (<see cref="FakeAnthropicServer"/>, which refuses what the real API refuses).
/// </summary>
public sealed class AnthropicUpstreamTests : IAsyncLifetime
{
    private const string Key = "sk-ant-test-key-0123456789";
    private FakeAnthropicServer _anthropic = null!;
    private FakeUpstreamServer _fallback = null!;
    private StandaloneIngressFactory _gateway = null!;
    private ChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeAnthropicServer.StartNewAsync();
        _fallback = await FakeUpstreamServer.StartAsync();

        // "claude-or-fallback" is served by the claude entry (preferred by weight) and an OpenAI-compatible one.
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", _anthropic.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5", "claude-or-fallback"], weight: 1_000_000);
        claude["api"] = "anthropic";
        claude["headers"] = new Dictionary<string, string> { ["anthropic-beta"] = "prompt-caching-2024-07-31" };
        _gateway = await StandaloneIngressFactory.CreateAsync(
            new()
            {
                ["METIS_API_TOKENS"] = $$"""{"claude-endpoint": "{{Key}}", "fallback-endpoint": "sk-fallback-0123456789"}""",
                ["Routing:Strategy"] = "Weighted",
            },
            claude,
            TestManifest.Entry("fallback", _fallback.BaseUrl.ToString(), "fallback-endpoint", ["claude-or-fallback"], weight: 0.000001));
        await _gateway.CreateReadyClientAsync();
        _chat = _gateway.ChatClient("claude-sonnet-4-5");
    }

    [Fact]
    public async Task AChat_IsTranslatedToMessages_AndAnsweredInOpenAisShape()
    {
        ChatCompletion answer = await _chat.CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new SystemChatMessage("Answer in English."), new UserChatMessage("Hi"), new AssistantChatMessage("Hello!"), new UserChatMessage("How are you?")],
            new ChatCompletionOptions { Temperature = 0.5f, StopSequences = { "END" } });

        Assert.Equal(FakeAnthropicServer.Text, answer.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.Equal(FakeAnthropicServer.InputTokens + FakeAnthropicServer.CacheReadTokens + FakeAnthropicServer.CacheWriteTokens, answer.Usage.InputTokenCount);
        Assert.Equal(FakeAnthropicServer.OutputTokens, answer.Usage.OutputTokenCount);
        Assert.Equal(FakeAnthropicServer.CacheReadTokens, answer.Usage.InputTokenDetails.CachedTokenCount);

        var sent = Assert.Single(_anthropic.Received);
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal(Key, sent.Header("x-api-key"));
        Assert.Null(sent.Header("authorization"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
        Assert.Equal("prompt-caching-2024-07-31", sent.Header("anthropic-beta"));
        using var body = JsonDocument.Parse(sent.Body);
        var root = body.RootElement;
        Assert.Equal(4096, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(["You are terse.", "Answer in English."], root.GetProperty("system").EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal(["user", "assistant", "user"], root.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(["END"], root.GetProperty("stop_sequences").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(0.5, root.GetProperty("temperature").GetDouble(), 3);

        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(_gateway.UsagePath).Where(r => r.EndpointId == "claude-endpoint").ToList()),
            rows => rows.Count == 1 && rows[0].Status == 200 && rows[0].TotalTokens == 24,
            what: "the usage row with Anthropic's token counts, cached ones included");
    }

    [Fact]
    public async Task AStream_ArrivesAsOpenAiChunks_WithItsUsageCounted()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in _chat.CompleteChatStreamingAsync([new UserChatMessage("Stream, please")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(FakeAnthropicServer.Text, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal((17, 7), (usage?.InputTokenCount, usage?.OutputTokenCount));
        using var body = JsonDocument.Parse(Assert.Single(_anthropic.Received).Body);
        Assert.True(body.RootElement.GetProperty("stream").GetBoolean());
        Assert.Equal(100, body.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.False(body.RootElement.TryGetProperty("stream_options", out _));

        await Eventually.Until(
            () => Task.FromResult(UsageRows.Read(_gateway.UsagePath).Where(r => r.EndpointId == "claude-endpoint").ToList()),
            rows => rows.Count == 1 && rows[0].Streamed && rows[0].TotalTokens == 24,
            what: "the stream's usage row with Anthropic's token counts");
    }

    [Fact]
    public async Task ToolCalls_GoOutAsToolUse_AndTheirResultsComeBackAsToolResults()
    {
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), AllowParallelToolCalls = false };
        List<ChatMessage> conversation = [new UserChatMessage("What is the weather in Paris?")];

        ChatCompletion first = await _chat.CompleteChatAsync(conversation, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("toolu_01", "get_weather"), (call.Id, call.FunctionName));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        using (var sent = JsonDocument.Parse(_anthropic.Received[^1].Body))
        {
            var tool = Assert.Single(sent.RootElement.GetProperty("tools").EnumerateArray());
            Assert.Equal("get_weather", tool.GetProperty("name").GetString());
            Assert.Equal("object", tool.GetProperty("input_schema").GetProperty("type").GetString());
            Assert.Equal("""{"type":"any","disable_parallel_tool_use":true}""", sent.RootElement.GetProperty("tool_choice").GetRawText());
        }

        conversation.Add(new AssistantChatMessage(first));
        conversation.Add(new ToolChatMessage(call.Id, "18 degrees and sunny"));
        ChatCompletion second = await _chat.CompleteChatAsync(conversation, new ChatCompletionOptions { Tools = { weather } });

        // The fake refuses a tool_result that answers no tool_use of the turn before, as Anthropic does.
        Assert.Equal(FakeAnthropicServer.Text, second.Content[0].Text);
        using var followUp = JsonDocument.Parse(_anthropic.Received[^1].Body);
        var turns = followUp.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => t.GetProperty("role").GetString()));
        var result = turns[2].GetProperty("content")[0];
        Assert.Equal(("tool_result", "toolu_01", "18 degrees and sunny"), (result.GetProperty("type").GetString(), result.GetProperty("tool_use_id").GetString(), result.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task AStreamedToolCall_ArrivesAsToolCallDeltas()
    {
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""));
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;
        await foreach (var update in _chat.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { weather } }))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(("toolu_01", "get_weather"), (id, name));
        Assert.Equal("Paris", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task AnImage_GoesAsAnImageBlock_Base64OrUrl()
    {
        await _chat.CompleteChatAsync(new UserChatMessage(
            ChatMessageContentPart.CreateTextPart("What is this?"),
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes([0x89, 0x50, 0x4e, 0x47]), "image/png"),
            ChatMessageContentPart.CreateImagePart(new Uri("https://example.org/cat.jpg"))));

        using var body = JsonDocument.Parse(Assert.Single(_anthropic.Received).Body);
        var blocks = body.RootElement.GetProperty("messages")[0].GetProperty("content").EnumerateArray().ToList();
        Assert.Equal("""{"type":"base64","media_type":"image/png","data":"iVBORw=="}""", blocks[1].GetProperty("source").GetRawText());
        Assert.Equal("""{"type":"url","url":"https://example.org/cat.jpg"}""", blocks[2].GetProperty("source").GetRawText());
    }

    [Fact]
    public async Task AnthropicsErrors_ReachTheCallerInOpenAisShape()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => _chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { Temperature = 0.5f, TopP = 0.5f, MaxOutputTokenCount = 0 }));

        // max_tokens 0 is refused by Anthropic: its 400 comes back as OpenAI's error, relayed as it is.
        Assert.Equal(400, refused.Status);
        using var error = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("max_tokens", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overloaded_FailsOverToTheNextEndpoint()
    {
        var client = _gateway.CreateClient(TestTokens.Issue());

        var response = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"claude-or-fallback","messages":[{"role":"user","content":"you are overloaded"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(FakeResponses.ChatContent, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(_anthropic.Received, r => r.Body.Contains("overloaded", StringComparison.Ordinal));
        Assert.Contains(_fallback.Received, r => r.Body.Contains("overloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABatchOfChatLines_IsServedByTheAnthropicEntry_EachLineInOpenAisShape()
    {
        var batches = new BatchUser(_gateway.CreateClient(TestTokens.Issue()));
        var lines = Enumerable.Range(0, 5).Select(i => BatchUser.Line($"line-{i}", model: "claude-sonnet-4-5", content: $"question {i}")).ToList();

        var id = await batches.StartAsync(lines);
        var done = await batches.WaitForAsync(id, null, "completed", "failed");
        var output = await batches.LinesAsync(done, "output_file_id");

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(5, output.Count);
        Assert.All(output, line =>
        {
            var body = line.GetProperty("response").GetProperty("body");
            Assert.Equal("chat.completion", body.GetProperty("object").GetString());
            Assert.Equal(FakeAnthropicServer.Text, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        });
        Assert.Equal(5, _anthropic.Received.Count(r => r.Path == "/v1/messages"));
    }

    [Fact]
    public async Task AnErrorEventBeforeAnyContent_FailsTheStreamOver_AndAnInvalidStringIsA400()
    {
        var text = new StringBuilder();
        await foreach (var update in _gateway.ChatClient("claude-or-fallback").CompleteChatStreamingAsync([new UserChatMessage("a stream error please")]))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        var client = _gateway.CreateClient(TestTokens.Issue());
        var invalid = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"\ud800"}]}"""));

        Assert.Equal(string.Concat(Enumerable.Range(0, 5).Select(i => new FakeStream().Content(i))), text.ToString());
        Assert.Contains(_anthropic.Received, r => r.Body.Contains("a stream error", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("Unicode", (await Json.ReadAsync(invalid)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_anthropic.Received, r => r.Body.Contains("ud800", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Embeddings_ToAnAnthropicEntry_AreAClear400()
    {
        var client = _gateway.CreateClient(TestTokens.Issue());

        var response = await client.PostAsync("/v1/embeddings", Json.Body("""{"model":"claude-sonnet-4-5","input":"hello"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("no embeddings", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_anthropic.Received);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _anthropic.DisposeAsync();
        await _fallback.DisposeAsync();
    }
}
