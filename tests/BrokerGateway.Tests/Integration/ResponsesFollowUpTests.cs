using System.ClientModel;
using System.Net;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using OpenAI.Responses;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The Responses API's stored state through the gateway, with the OpenAI .NET SDK as the caller:
/// two endpoints serve one model, each storing the responses it made and knowing no other's (as
/// OpenAI's projects do), so a follow-up sent to the wrong one fails. Every follow-up —
/// <c>previous_response_id</c>, a GET, <c>input_items</c>, a DELETE — must reach the endpoint
/// that made the response, and no caller reaches another's. Entries that have no Responses API
/// (Anthropic, a chat-only server) get each request translated.
/// </summary>
public sealed class ResponsesFollowUpTests : IAsyncLifetime
{
    private const string Model = "gpt-stored";
    private FakeStoredResponsesServer _a = null!;
    private FakeStoredResponsesServer _b = null!;
    private FakeAnthropicServer _claude = null!;
    private FakeUpstreamServer _chatOnly = null!;
    private StandaloneIngressFactory _gateway = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeStoredResponsesServer.StartNewAsync("a");
        _b = await FakeStoredResponsesServer.StartNewAsync("b");
        _claude = await FakeAnthropicServer.StartNewAsync();
        _chatOnly = await FakeUpstreamServer.StartAsync();
        var claude = (Dictionary<string, object>)TestManifest.Entry("claude", _claude.BaseUrl.ToString(), "claude-endpoint", ["claude-sonnet-4-5"]);
        claude["api"] = "anthropic";
        var llama = (Dictionary<string, object>)TestManifest.Entry("llama", _chatOnly.BaseUrl.ToString(), "llama-endpoint", ["llama-local"]);
        llama["responses"] = "translate";
        _gateway = await StandaloneIngressFactory.CreateAsync(
            new()
            {
                ["METIS_API_TOKENS"] = $$"""{"fake-endpoint": "{{StandaloneIngressFactory.UpstreamKey}}", "a-endpoint": "sk-a-0123456789", "b-endpoint": "sk-b-0123456789", "claude-endpoint": "sk-ant-0123456789", "llama-endpoint": "sk-llama-0123456789"}""",
            },
            TestManifest.Entry("stored-a", _a.BaseUrl.ToString(), "a-endpoint", [Model]),
            TestManifest.Entry("stored-b", _b.BaseUrl.ToString(), "b-endpoint", [Model]),
            claude,
            llama);
        await _gateway.CreateReadyClientAsync();
    }

    private static string? PreviousId(ProviderRequest request)
    {
        if (request.Method != "POST" || request.Body.Length == 0)
        {
            return null;
        }

        using var body = System.Text.Json.JsonDocument.Parse(request.Body);
        return body.RootElement.TryGetProperty("previous_response_id", out var previous) ? previous.GetString() : null;
    }

    private static string TagOf(string responseId) => responseId.StartsWith("resp_a_", StringComparison.Ordinal) ? "a" : "b";

    [Fact]
    public async Task EachContinuation_ReachesTheEndpointThatMadeItsResponse_ThoughTwoServeTheModel()
    {
        var client = _gateway.ResponsesClient();
        for (var i = 0; i < 6; i++)
        {
            ResponseResult first = await client.CreateResponseAsync(Model, "Hello", previousResponseId: null);
            ResponseResult second = await client.CreateResponseAsync(Model, "And then?", previousResponseId: first.Id);
            ResponseResult third = await client.CreateResponseAsync(Model, "Go on.", previousResponseId: second.Id);

            var tag = TagOf(first.Id);
            Assert.Equal(FakeStoredResponsesServer.Text(tag, 3), third.GetOutputText());
            Assert.Equal(tag, TagOf(third.Id));
        }

        // The first turns were shared out between the two, so only pinning kept every conversation whole.
        Assert.NotEmpty(_a.StoredIds);
        Assert.NotEmpty(_b.StoredIds);
        Assert.All(_a.Received.Select(PreviousId).OfType<string>(), previous => Assert.StartsWith("resp_a_", previous, StringComparison.Ordinal));
        Assert.All(_b.Received.Select(PreviousId).OfType<string>(), previous => Assert.StartsWith("resp_b_", previous, StringComparison.Ordinal));
        Assert.Equal(12, _a.Received.Concat(_b.Received).Count(r => PreviousId(r) is not null));
    }

    [Fact]
    public async Task AStreamedResponse_CanBeFetchedListedAndDeleted_AtItsEndpoint()
    {
        var client = _gateway.ResponsesClient();
        string? id = null;
        var text = string.Empty;
        await foreach (var update in await client.CreateResponseStreamingAsync(Model, "Stream it", previousResponseId: null))
        {
            text += (update as StreamingResponseOutputTextDeltaUpdate)?.Delta;
            id = (update as StreamingResponseCompletedUpdate)?.Response.Id ?? id;
        }

        Assert.NotNull(id);
        Assert.Equal(FakeStoredResponsesServer.Text(TagOf(id), 1), text);
        ResponseResult fetched = await client.GetResponseAsync(id);
        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(id))
        {
            items.Add(item);
        }

        ResponseDeletionResult deleted = await client.DeleteResponseAsync(id);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(id));

        Assert.Equal(id, fetched.Id);
        Assert.Equal("Stream it", Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(items)).Content[0].Text);
        Assert.True(deleted.Deleted);
        Assert.Equal(404, gone.Status);
        var holder = TagOf(id) == "a" ? _a : _b;
        var other = holder == _a ? _b : _a;
        Assert.Equal(["GET", "GET", "DELETE"], holder.Received.Where(r => r.Path.Contains(id, StringComparison.Ordinal)).Select(r => r.Method));
        Assert.DoesNotContain(other.Received, r => r.Path.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherCaller_CannotFetchOrContinueSomeoneElsesResponse()
    {
        ResponseResult alices = await _gateway.ResponsesClient("alice").CreateResponseAsync(Model, "Secret", previousResponseId: null);
        var bob = _gateway.ResponsesClient("bob");

        var fetch = await Assert.ThrowsAsync<ClientResultException>(() => bob.GetResponseAsync(alices.Id));
        var delete = await Assert.ThrowsAsync<ClientResultException>(() => bob.DeleteResponseAsync(alices.Id));
        var http = _gateway.CreateClient(TestTokens.Issue("bob"));
        var continued = await http.PostAsync("/v1/responses", Json.Body($$"""{"model":"{{Model}}","input":"Tell me","previous_response_id":"{{alices.Id}}"}"""));

        Assert.Equal((404, 404), (fetch.Status, delete.Status));
        Assert.Equal((HttpStatusCode.BadRequest, "previous_response_not_found"), (continued.StatusCode, await Json.ErrorCodeAsync(continued)));
        Assert.DoesNotContain(_a.Received.Concat(_b.Received), r => r.Method != "POST" || r.Body.Contains("previous_response_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToAnthropicAndToAChatOnlyServer_AResponseIsTranslated_PlainAndStreamed()
    {
        var client = _gateway.ResponsesClient();

        ResponseResult claude = await client.CreateResponseAsync("claude-sonnet-4-5", "Hello", previousResponseId: null);
        ResponseResult llama = await client.CreateResponseAsync("llama-local", "Hello", previousResponseId: null);
        var streamed = string.Empty;
        ResponseResult? completed = null;
        await foreach (var update in await client.CreateResponseStreamingAsync("claude-sonnet-4-5", "Stream", previousResponseId: null))
        {
            streamed += (update as StreamingResponseOutputTextDeltaUpdate)?.Delta;
            completed = (update as StreamingResponseCompletedUpdate)?.Response ?? completed;
        }

        Assert.Equal((FakeAnthropicServer.Text, ResponseStatus.Completed), (claude.GetOutputText(), claude.Status));
        Assert.Equal(FakeAnthropicServer.InputTokens + FakeAnthropicServer.CacheReadTokens + FakeAnthropicServer.CacheWriteTokens, claude.Usage.InputTokenCount);
        Assert.Equal(FakeResponses.ChatContent, llama.GetOutputText());
        Assert.False(string.IsNullOrEmpty(streamed));
        Assert.Equal(streamed, completed?.GetOutputText());
        Assert.All(_claude.Received, r => Assert.Equal("/v1/messages", r.Path));
        Assert.Equal("/v1/chat/completions", Assert.Single(_chatOnly.Received).Path);
    }

    [Fact]
    public async Task TheBuiltInMock_AnswersTheResponsesApi_AsAChatOnlyServerWould()
    {
        var client = _gateway.ResponsesClient();

        ResponseResult echoed = await client.CreateResponseAsync("mock-gpt", "echo me", previousResponseId: null);
        var streamed = string.Empty;
        await foreach (var update in await client.CreateResponseStreamingAsync("mock-gpt", "echo me too", previousResponseId: null))
        {
            streamed += (update as StreamingResponseOutputTextDeltaUpdate)?.Delta;
        }

        Assert.Equal("echo me", echoed.GetOutputText());
        Assert.Equal("echo me too", streamed);
        Assert.True(echoed.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task ATranslatedResponse_IsNotStored_SoItCannotBeContinued_AndSaysSo()
    {
        var http = _gateway.CreateClient(TestTokens.Issue());
        var made = await Json.ReadAsync(await http.PostAsync("/v1/responses", Json.Body("""{"model":"claude-sonnet-4-5","input":"Hello"}""")));
        var id = made.GetProperty("id").GetString();

        var continued = await http.PostAsync("/v1/responses", Json.Body($$"""{"model":"claude-sonnet-4-5","input":"More","previous_response_id":"{{id}}"}"""));
        var fetched = await http.GetAsync($"/v1/responses/{id}");

        Assert.False(made.GetProperty("store").GetBoolean());
        Assert.Equal((HttpStatusCode.BadRequest, "previous_response_not_found"), (continued.StatusCode, await Json.ErrorCodeAsync(continued)));
        Assert.Contains("no Responses API of their own", (await Json.ReadAsync(continued)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        Assert.Single(_claude.Received);
    }

    [Fact]
    public async Task ABatchOfResponsesLines_IsServed_StoredTranslatedAndContinued()
    {
        ResponseResult earlier = await _gateway.ResponsesClient().CreateResponseAsync(Model, "Hello", previousResponseId: null);
        static string Line(string id, string body) => $$"""{"custom_id":"{{id}}","method":"POST","url":"/v1/responses","body":{{body}}}""";
        var batches = new BatchUser(_gateway.CreateClient(TestTokens.Issue()));
        var file = await batches.UploadAsync(
        [
            Line("stored-0", $$"""{"model":"{{Model}}","input":"one"}"""),
            Line("stored-1", $$"""{"model":"{{Model}}","input":"two"}"""),
            Line("claude", """{"model":"claude-sonnet-4-5","input":"three"}"""),
            Line("continued", $$"""{"model":"{{Model}}","input":"four","previous_response_id":"{{earlier.Id}}"}"""),
        ]);
        var created = await batches.CreateAsync(file, "/v1/responses");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var done = await batches.WaitForAsync((await Json.ReadAsync(created)).GetProperty("id").GetString()!, null, "completed", "failed");
        var output = (await batches.LinesAsync(done, "output_file_id")).ToDictionary(l => l.GetProperty("custom_id").GetString()!, l => l.GetProperty("response"));

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.All(output.Values, r => Assert.Equal((200, "response"), (r.GetProperty("status_code").GetInt32(), r.GetProperty("body").GetProperty("object").GetString())));
        Assert.Equal(FakeAnthropicServer.Text, output["claude"].GetProperty("body").GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(FakeStoredResponsesServer.Text(TagOf(earlier.Id), 2), output["continued"].GetProperty("body").GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        ResponseResult fetched = await _gateway.ResponsesClient().GetResponseAsync(output["stored-0"].GetProperty("body").GetProperty("id").GetString());
        Assert.Equal("completed", fetched.Status?.ToString().ToLowerInvariant());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _claude.DisposeAsync();
        await _chatOnly.DisposeAsync();
    }
}
