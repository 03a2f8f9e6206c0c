using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Batch;
using OpenAI.Files;

namespace BrokerGateway.Tests.Ingress.Batches;

/// <summary>Batches on a standalone ingress (in-memory bus, SQLite, the mock provider).</summary>
public sealed class BatchesApiTests : IAsyncLifetime
{
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = await StandaloneIngressFactory.CreateAsync(new() { ["Batches:MaxActivePerUser"] = "3" });
        await _factory.CreateReadyClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private BatchUser Client(string user = "alice") => new(_factory.CreateClient(TestTokens.Issue(user)));

    [Fact]
    public async Task ABatch_RunsToCompleted_AndItsOutputHasEveryCustomIdOnceWithTheUpstreamsAnswer()
    {
        var client = Client();
        var lines = Enumerable.Range(0, 25).Select(i => BatchUser.Line($"req-{i}", content: $"echo {i}")).ToList();

        var id = await client.StartAsync(lines);
        var done = await client.WaitForAsync(id, null, "completed", "failed");
        var output = await client.LinesAsync(done, "output_file_id");

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal((25, 25, 0), (done.GetProperty("request_counts").GetProperty("total").GetInt32(), done.GetProperty("request_counts").GetProperty("completed").GetInt32(), done.GetProperty("request_counts").GetProperty("failed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error_file_id").ValueKind);
        Assert.Equal("tests", done.GetProperty("metadata").GetProperty("project").GetString());
        foreach (var at in new[] { "created_at", "in_progress_at", "finalizing_at", "completed_at" })
        {
            Assert.Equal(JsonValueKind.Number, done.GetProperty(at).ValueKind);
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"req-{i}").Order(), output.Select(l => l.GetProperty("custom_id").GetString()!).Order());
        foreach (var line in output)
        {
            var i = line.GetProperty("custom_id").GetString()!["req-".Length..];
            var response = line.GetProperty("response");
            Assert.Equal(200, response.GetProperty("status_code").GetInt32());
            Assert.Equal($"echo {i}", response.GetProperty("body").GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
        }

        var rows = await Eventually.Until(() => Task.FromResult(UsageRows.Read(_factory.UsagePath).Where(r => r.Everything.Contains(id, StringComparison.Ordinal)).ToList()), r => r.Count == 25, what: "a usage row per line, carrying the batch id");
        Assert.All(rows, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task ABadFile_FailsTheBatchWithEveryBadLineNamed_AndNothingIsSent()
    {
        var client = Client();
        var lines = new[]
        {
            BatchUser.Line("ok-1"),
            "not json",
            BatchUser.Line("ok-1"),
            BatchUser.Line("wrong-url", url: "/v1/embeddings"),
            BatchUser.Line("unknown-model", model: "no-such-model"),
            """{"custom_id":"no-body","method":"POST","url":"/v1/chat/completions"}""",
            """{"custom_id":"get","method":"GET","url":"/v1/chat/completions","body":{}}""",
            """{"custom_id":"\ud800","method":"POST","url":"/v1/chat/completions","body":{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}}""",
        };

        var id = await client.StartAsync(lines);
        var failed = await client.WaitForAsync(id, null, "failed", "completed");
        var errors = failed.GetProperty("errors").GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("code").GetString())).ToList();

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(
            [(2, "invalid_json_line"), (3, "duplicate_custom_id"), (4, "invalid_value"), (5, "model_not_found"), (6, "missing_required_parameter"), (7, "invalid_value"), (8, "missing_required_parameter")],
            errors);
        Assert.Equal(0, failed.GetProperty("request_counts").GetProperty("total").GetInt32());
        Assert.DoesNotContain(UsageRows.Read(_factory.UsagePath), r => r.Everything.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABatchCreatedNamingAnAccount_ChargesEveryLineToIt_AndAGroupNotTheCallers_IsA403()
    {
        var http = _factory.CreateClient(TestTokens.Issue("carol", groups: ["g1", "lab"]));
        var carol = new BatchUser(http);
        var file = await carol.UploadAsync([BatchUser.Line("a"), BatchUser.Line("b")]);
        const string Create = """{"input_file_id":"FILE","endpoint":"/v1/chat/completions","completion_window":"24h"}""";

        using var notHers = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = Json.Body(Create.Replace("FILE", file, StringComparison.Ordinal)) };
        notHers.Headers.Add("x-gateway-account", "physics");
        var refused = await http.SendAsync(notHers);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("account_not_allowed", await Json.ErrorCodeAsync(refused));

        using var hers = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = Json.Body(Create.Replace("FILE", file, StringComparison.Ordinal)) };
        hers.Headers.Add("x-gateway-account", "lab");
        var created = await http.SendAsync(hers);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = (await Json.ReadAsync(created)).GetProperty("id").GetString()!;
        await carol.WaitForAsync(id, null, "completed", "failed");

        var rows = await Eventually.Until(() => Task.FromResult(UsageRows.Read(_factory.UsagePath).Where(r => r.Everything.Contains(id, StringComparison.Ordinal)).ToList()), r => r.Count == 2, what: "a usage row per line");
        Assert.All(rows, r => Assert.Equal("lab", r.Account));
    }

    [Fact]
    public async Task AnotherUsersBatch_IsNotFound_AndCannotBeCancelled()
    {
        var id = await Client("alice").StartAsync([BatchUser.Line("a")]);
        var bob = _factory.CreateClient(TestTokens.Issue("bob"));

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/batches/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/v1/batches/{id}/cancel", null)).StatusCode);
        Assert.Empty((await Json.ReadAsync(await bob.GetAsync("/v1/batches"))).GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"endpoint":"/v1/chat/completions","completion_window":"24h"}""", "missing_required_parameter")]
    [InlineData("""{"input_file_id":"file-x","endpoint":"/v1/images","completion_window":"24h"}""", "invalid_value")]
    [InlineData("""{"input_file_id":"file-x","endpoint":"/v1/chat/completions","completion_window":"1h"}""", "invalid_value")]
    [InlineData("""{"input_file_id":"file-nope","endpoint":"/v1/chat/completions","completion_window":"24h"}""", "invalid_value")]
    [InlineData("""{"input_file_id":"file-x","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":[1]}""", "invalid_value")]
    public async Task ABadCreateRequest_IsA400InOpenAisShape(string body, string code)
    {
        var response = await _factory.CreateClient(TestTokens.Issue()).PostAsync("/v1/batches", Json.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task MoreActiveBatchesThanTheLimit_GetA429()
    {
        var client = Client("busy");
        var file = await client.UploadAsync(Enumerable.Range(0, 2000).Select(i => BatchUser.Line($"r{i}")));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.CreateAsync(file)).StatusCode);
        }

        var refused = await client.CreateAsync(file);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("batch_limit_reached", await Json.ErrorCodeAsync(refused));
    }

    [Fact]
    public async Task ACancelledBatch_StopsAndFinishesWithWhatWasDone()
    {
        var client = Client("canceller");
        var id = await client.StartAsync(Enumerable.Range(0, 5000).Select(i => BatchUser.Line($"c{i}")));
        await client.WaitForAsync(id, null, "in_progress");
        var http = _factory.CreateClient(TestTokens.Issue("canceller"));

        var cancelling = await Json.ReadAsync(await http.PostAsync($"/v1/batches/{id}/cancel", null));
        var cancelled = await client.WaitForAsync(id, null, "cancelled");
        var output = await client.LinesAsync(cancelled, "output_file_id");
        var again = await http.PostAsync($"/v1/batches/{id}/cancel", null);

        Assert.Equal("cancelling", cancelling.GetProperty("status").GetString());
        var counts = cancelled.GetProperty("request_counts");
        Assert.True(counts.GetProperty("completed").GetInt32() < 5000, "the batch stopped before its end");
        Assert.Equal(counts.GetProperty("completed").GetInt32(), output.Count);
        Assert.Equal(output.Count, output.Select(l => l.GetProperty("custom_id").GetString()).Distinct().Count());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task TheOfficialOpenAiSdk_UploadsCreatesPollsAndDownloadsABatch()
    {
        // The SDK's own HTTP pipeline, over the in-process test server.
        var options = new OpenAIClientOptions { Endpoint = new Uri(_factory.Server.BaseAddress, "/v1"), Transport = new HttpClientPipelineTransport(_factory.CreateClient()) };
        var credential = new ApiKeyCredential(TestTokens.Issue("sdk-batcher"));
        var files = new OpenAIFileClient(credential, options);
#pragma warning disable OPENAI001 // The SDK's batch client is marked experimental.
        var batches = new BatchClient(credential, new BatchClientOptions { Endpoint = options.Endpoint, Transport = options.Transport });
        var input = string.Join("\n", Enumerable.Range(0, 5).Select(i => BatchUser.Line($"sdk-{i}", content: $"sdk {i}")));

        var file = (await files.UploadFileAsync(BinaryData.FromString(input), "sdk.jsonl", FileUploadPurpose.Batch)).Value;
        var operation = await batches.CreateBatchAsync(
            BinaryContent.Create(BinaryData.FromObjectAsJson(new { input_file_id = file.Id, endpoint = "/v1/chat/completions", completion_window = "24h" })),
            waitUntilCompleted: false);
        var batch = await Eventually.Until(
            async () => JsonDocument.Parse((await batches.GetBatchAsync(operation.BatchId, new RequestOptions())).GetRawResponse().Content).RootElement.Clone(),
            b => b.GetProperty("status").GetString() is "completed" or "failed",
            what: "the SDK sees the batch completed");
#pragma warning restore OPENAI001
        var output = (await files.DownloadFileAsync(batch.GetProperty("output_file_id").GetString()!)).Value.ToString();

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        Assert.Equal(5, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("sdk 3", output, StringComparison.Ordinal);
    }
}
