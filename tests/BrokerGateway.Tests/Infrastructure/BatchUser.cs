using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>What a batch user does over HTTP: upload a JSONL file, create a batch, poll it, read its result files.</summary>
public sealed class BatchUser(HttpClient client)
{
    public static string Line(string customId, string model = "mock-gpt", string content = "hello", string url = "/v1/chat/completions") =>
        JsonSerializer.Serialize(new
        {
            custom_id = customId,
            method = "POST",
            url,
            body = new { model, messages = new[] { new { role = "user", content } } },
        });

    public async Task<string> UploadAsync(IEnumerable<string> lines)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        var response = await client.PostAsync("/v1/files", new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { file, "file", "input.jsonl" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("id").GetString()!;
    }

    public Task<HttpResponseMessage> CreateAsync(string fileId, string endpoint = "/v1/chat/completions") =>
        client.PostAsync("/v1/batches", Json.Body($$$"""{"input_file_id":"{{{fileId}}}","endpoint":"{{{endpoint}}}","completion_window":"24h","metadata":{"project":"tests"}}"""));

    public async Task<string> StartAsync(IEnumerable<string> lines)
    {
        var response = await CreateAsync(await UploadAsync(lines));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Json.ReadAsync(response)).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string batchId) => await Json.ReadAsync(await client.GetAsync($"/v1/batches/{batchId}"));

    /// <summary>Polls until the batch reaches one of <paramref name="statuses"/>.</summary>
    public Task<JsonElement> WaitForAsync(string batchId, TimeSpan? timeout = null, params string[] statuses) =>
        Eventually.Until(() => GetAsync(batchId), b => statuses.Contains(b.GetProperty("status").GetString()), timeout ?? TimeSpan.FromSeconds(60), $"batch {batchId} {string.Join("/", statuses)}");

    /// <summary>The lines of a result file, parsed; none if there is no such file.</summary>
    public async Task<IReadOnlyList<JsonElement>> LinesAsync(JsonElement batch, string property)
    {
        if (batch.GetProperty(property).GetString() is not { } fileId)
        {
            return [];
        }

        var text = await client.GetStringAsync($"/v1/files/{fileId}/content");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
