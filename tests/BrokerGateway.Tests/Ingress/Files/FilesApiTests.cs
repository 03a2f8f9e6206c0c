using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BrokerGateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Files;

namespace BrokerGateway.Tests.Ingress.Files;

/// <summary>The Files API on a standalone ingress: its SQLite file by default, a real PostgreSQL in one test.</summary>
public sealed class FilesApiTests : IAsyncLifetime
{
    private const string Jsonl = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"mock-gpt\"}}\r\n\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"é\"}";
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync() => _factory = await StandaloneIngressFactory.CreateAsync(new()
    {
        ["Files:MaxBytes"] = "4096",
        ["Files:MaxLines"] = "5",
    });

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private HttpClient Client(string user = "alice") => _factory.CreateClient(TestTokens.Issue(user));

    private static MultipartFormDataContent Upload(string content, string? purpose = "batch", string filename = "requests.jsonl")
    {
        var form = new MultipartFormDataContent();
        if (purpose is not null)
        {
            form.Add(new StringContent(purpose), "purpose");
        }

        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", filename);
        return form;
    }

    private static async Task<JsonElement> UploadAsync(HttpClient client, string content = Jsonl)
    {
        var response = await client.PostAsync("/v1/files", Upload(content));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json.ReadAsync(response);
    }

    [Fact]
    public async Task AnUploadedFile_IsDescribedListedAndReturnedByteForByte()
    {
        var client = Client();

        var file = await UploadAsync(client);
        var id = file.GetProperty("id").GetString()!;
        var described = await Json.ReadAsync(await client.GetAsync($"/v1/files/{id}"));
        var listed = await Json.ReadAsync(await client.GetAsync("/v1/files"));
        var content = await client.GetByteArrayAsync($"/v1/files/{id}/content");

        Assert.StartsWith("file-", id, StringComparison.Ordinal);
        Assert.Equal(("file", "batch", "requests.jsonl", "processed"), (file.GetProperty("object").GetString(), file.GetProperty("purpose").GetString(), file.GetProperty("filename").GetString(), file.GetProperty("status").GetString()));
        Assert.Equal(Encoding.UTF8.GetByteCount(Jsonl), file.GetProperty("bytes").GetInt64());
        Assert.Equal(id, described.GetProperty("id").GetString());
        Assert.Equal([id], listed.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(Encoding.UTF8.GetBytes(Jsonl), content);
    }

    [Fact]
    public async Task AFileNameWithControlCharacters_IsStoredWithoutThem()
    {
        // filename* is percent-decoded by the server: NUL, CR, LF and ESC arrive as such.
        const string boundary = "bg-boundary";
        var body = $"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            + $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''evil%00na%0D%0Ame%1B%5B31m.jsonl\r\nContent-Type: application/jsonl\r\n\r\n"
            + "{\"custom_id\":\"a\"}\n\r\n"
            + $"--{boundary}--\r\n";
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");

        var response = await Client().PostAsync("/v1/files", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = await Json.ReadAsync(response);
        Assert.Equal("evilname[31m.jsonl", file.GetProperty("filename").GetString());
        var listed = await Json.ReadAsync(await Client().GetAsync("/v1/files"));
        Assert.Equal("evilname[31m.jsonl", listed.GetProperty("data")[0].GetProperty("filename").GetString());
    }

    [Fact]
    public async Task AnotherUsersFile_IsNotFoundForAnyOperation()
    {
        var id = (await UploadAsync(Client("alice"))).GetProperty("id").GetString();
        var bob = Client("bob");

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/files/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/v1/files/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/v1/files/{id}")).StatusCode);
        Assert.Empty((await Json.ReadAsync(await bob.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await Client("alice").GetAsync($"/v1/files/{id}")).StatusCode);
    }

    [Fact]
    public async Task ADeletedFile_IsGone()
    {
        var client = Client();
        var id = (await UploadAsync(client)).GetProperty("id").GetString();

        var deleted = await Json.ReadAsync(await client.DeleteAsync($"/v1/files/{id}"));

        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{id}")).StatusCode);
        Assert.Equal("file_not_found", await Json.ErrorCodeAsync(await client.GetAsync($"/v1/files/{id}/content")));
    }

    [Fact]
    public async Task TheListIsNewestFirst_AndPagesWithAfterAndLimit()
    {
        var client = Client("pager");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await UploadAsync(client)).GetProperty("id").GetString()!);
        }

        var first = await Json.ReadAsync(await client.GetAsync("/v1/files?limit=2"));
        var rest = await Json.ReadAsync(await client.GetAsync($"/v1/files?limit=2&after={first.GetProperty("last_id").GetString()}"));

        var all = first.GetProperty("data").EnumerateArray().Concat(rest.GetProperty("data").EnumerateArray()).Select(f => f.GetProperty("id").GetString()!).ToList();
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        Assert.Equal(ids.OrderBy(x => x).ToList(), all.OrderBy(x => x).ToList());
        Assert.Equal(3, all.Distinct().Count());
    }

    public static TheoryData<string, string?, int, string> BadUploads() => new()
    {
        { Jsonl, "fine-tune", 400, "invalid_value" },
        { Jsonl, null, 400, "missing_required_parameter" },
        { string.Empty, "batch", 400, "invalid_value" },
        { string.Concat(Enumerable.Repeat("{\"custom_id\":\"x\"}\n", 6)), "batch", 400, "file_too_many_lines" },
        { new string('x', 5000), "batch", 413, "file_too_large" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task ABadUpload_IsRefusedInOpenAisShape_AndLeavesNothing(string content, string? purpose, int status, string code)
    {
        var client = Client("refused");

        var response = await client.PostAsync("/v1/files", Upload(content, purpose));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, await Json.ErrorCodeAsync(response));
        Assert.Empty((await Json.ReadAsync(await client.GetAsync("/v1/files"))).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task AFileThatIsNotUtf8_IsRefusedNamingTheLine()
    {
        var form = new MultipartFormDataContent { { new StringContent("batch"), "purpose" } };
        form.Add(new ByteArrayContent([.. "{\"a\":1}\n"u8.ToArray(), 0xff, 0xfe, (byte)'\n']), "file", "bad.jsonl");

        var response = await Client().PostAsync("/v1/files", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_encoding", await Json.ErrorCodeAsync(response));
        Assert.Contains("Line 2", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/files?limit=0")]
    [InlineData("/v1/files?limit=10001")]
    [InlineData("/v1/batches?limit=101")]
    [InlineData("/v1/batches?limit=x")]
    public async Task AListLimitOutOfRange_IsA400NamingLimit(string path)
    {
        var response = await Client().GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("limit", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task NotMultipart_IsA400()
    {
        var response = await Client().PostAsync("/v1/files", Json.Body("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task TheOfficialOpenAiSdk_UploadsDescribesDownloadsAndDeletes()
    {
        // The SDK's own HTTP pipeline, over the in-process test server.
        var client = new OpenAIFileClient(new ApiKeyCredential(TestTokens.Issue("sdk-user")), new OpenAIClientOptions
        {
            Endpoint = new Uri(_factory.Server.BaseAddress, "/v1"),
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(_factory.CreateClient()),
        });

        var uploaded = (await client.UploadFileAsync(BinaryData.FromString(Jsonl), "sdk.jsonl", FileUploadPurpose.Batch)).Value;
        var fetched = (await client.GetFileAsync(uploaded.Id)).Value;
        var content = (await client.DownloadFileAsync(uploaded.Id)).Value;
        var deleted = (await client.DeleteFileAsync(uploaded.Id)).Value;

        Assert.Equal("sdk.jsonl", fetched.Filename);
        Assert.Equal(Jsonl, content.ToString());
        Assert.True(deleted.Deleted);
    }
}
