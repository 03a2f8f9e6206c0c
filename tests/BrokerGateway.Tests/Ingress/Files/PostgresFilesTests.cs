using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress.Files;

/// <summary>Files in a real PostgreSQL, as several replicas share them, and at the default limits.</summary>
public sealed class PostgresFilesTests
{
    private static MultipartFormDataContent Upload(string content)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        return new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { file, "file", "big.jsonl" } };
    }

    private static string Lines(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $$$"""{"custom_id":"line-{{{i}}}","method":"POST","url":"/v1/chat/completions","body":{"model":"mock-gpt","messages":[{"role":"user","content":"hi {{{i}}}"}]}}""" + "\n"));

    [SkippableFact]
    public async Task AFileAtTheDefaultLineLimit_IsStoredInPostgresAndSeenByAnotherReplica()
    {
        var (database, drop) = await PostgresDatabase.CreateAsync();
        try
        {
            await using var first = await StandaloneIngressFactory.CreateAsync(new() { ["ConnectionStrings:Usage"] = database });
            await using var second = await StandaloneIngressFactory.CreateAsync(new() { ["ConnectionStrings:Usage"] = database });
            var content = Lines(50_000);

            var uploaded = await first.CreateClient(TestTokens.Issue("pg-files")).PostAsync("/v1/files", Upload(content));
            var tooMany = await first.CreateClient(TestTokens.Issue("pg-files")).PostAsync("/v1/files", Upload(content + Lines(1)));
            var id = (await Json.ReadAsync(uploaded)).GetProperty("id").GetString();
            var elsewhere = await second.CreateClient(TestTokens.Issue("pg-files")).GetStringAsync($"/v1/files/{id}/content");

            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            Assert.Equal("file_too_many_lines", await Json.ErrorCodeAsync(tooMany));
            Assert.Equal(content, elsewhere);
            Assert.Equal(HttpStatusCode.NotFound, (await second.CreateClient(TestTokens.Issue("someone-else")).GetAsync($"/v1/files/{id}")).StatusCode);
        }
        finally
        {
            await drop();
        }
    }
}
