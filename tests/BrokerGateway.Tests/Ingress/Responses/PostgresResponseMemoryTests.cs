using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using OpenAI.Responses;

namespace BrokerGateway.Tests.Ingress.Responses;

/// <summary>Where stored responses are held, in a real PostgreSQL that two ingress replicas share: a response made through one is continued and fetched through the other, at the endpoint that made it.</summary>
public sealed class PostgresResponseMemoryTests
{
    [SkippableFact]
    public async Task AResponseMadeThroughOneReplica_IsContinuedThroughAnother_AtItsEndpoint()
    {
        var (database, drop) = await PostgresDatabase.CreateAsync();
        await using var a = await FakeStoredResponsesServer.StartNewAsync("a");
        await using var b = await FakeStoredResponsesServer.StartNewAsync("b");
        try
        {
            Dictionary<string, string?> settings = new()
            {
                ["ConnectionStrings:Usage"] = database,
                ["METIS_API_TOKENS"] = """{"a-endpoint": "sk-a-0123456789", "b-endpoint": "sk-b-0123456789"}""",
            };
            object[] entries = [TestManifest.Entry("stored-a", a.BaseUrl.ToString(), "a-endpoint", ["gpt-stored"]), TestManifest.Entry("stored-b", b.BaseUrl.ToString(), "b-endpoint", ["gpt-stored"])];
            await using var first = await StandaloneIngressFactory.CreateAsync(settings, entries);
            await using var second = await StandaloneIngressFactory.CreateAsync(settings, entries);
            await first.CreateReadyClientAsync();
            await second.CreateReadyClientAsync();

            var made = new List<string>();
            var continued = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                ResponseResult response = await first.ResponsesClient().CreateResponseAsync("gpt-stored", "Hello", previousResponseId: null);
                ResponseResult next = await second.ResponsesClient().CreateResponseAsync("gpt-stored", "More", previousResponseId: response.Id);
                made.Add(response.Id);
                continued.Add(next.GetOutputText());
            }

            ResponseResult fetched = await second.ResponsesClient().GetResponseAsync(made[0]);

            Assert.Equal(made.Select(id => FakeStoredResponsesServer.Text(id.StartsWith("resp_a_", StringComparison.Ordinal) ? "a" : "b", 2)), continued);
            Assert.Equal(made[0], fetched.Id);
        }
        finally
        {
            await drop();
        }
    }
}
