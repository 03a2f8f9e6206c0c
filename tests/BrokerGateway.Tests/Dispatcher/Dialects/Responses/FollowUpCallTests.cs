using System.Text;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;

namespace BrokerGateway.Tests.Dispatcher.Dialects.Responses;

/// <summary>How each dialect calls a follow-up of a stored response: the method, the path under the entry's URL (an Azure deployment's resource), the caller's query, no body.</summary>
public class FollowUpCallTests
{
    private static ManifestEntry Entry(string url, string api, string? version = null) =>
        ManifestParser.Parse(Encoding.UTF8.GetBytes($$"""{"e": {"status": "Live", "model": "M", "description": "D", "experts": ["m"], "endpoint_id": "e", "url": "{{url}}", "api": "{{api}}"{{(version is null ? string.Empty : $", \"api_version\": \"{version}\"")}}""" + "}}")).Manifest!.Entries[0];

    private static SubmitCompletion FollowUp(UpstreamRoute route, string target) =>
        new(Guid.NewGuid(), 1, "e", route, string.Empty, DateTimeOffset.UtcNow.AddMinutes(1), DateTimeOffset.UtcNow.AddMinutes(1), Target: target);

    [Fact]
    public void OpenAi_GetsItsInputItems_WithTheCallersQuery()
    {
        var call = new OpenAiDialect().Prepare(Entry("https://api.openai.com/v1", "openai"), "sk-1", FollowUp(UpstreamRoute.ResponseInputItems, "resp_1?limit=2&order=asc"), string.Empty, stream: false);

        Assert.Equal((HttpMethod.Get, "https://api.openai.com/v1/responses/resp_1/input_items?limit=2&order=asc"), (call.Method, call.Url.ToString()));
    }

    [Fact]
    public void AnAzureDeployment_IsFollowedUpAtItsResource_WithTheApiVersionJoinedToTheQuery()
    {
        var entry = Entry("https://res.openai.azure.com/openai/deployments/gpt4o", "azure", "2025-03-01-preview");

        var items = new AzureDialect().Prepare(entry, "k", FollowUp(UpstreamRoute.ResponseInputItems, "resp_1?limit=2"), string.Empty, stream: false);
        var deleted = new AzureDialect().Prepare(entry, "k", FollowUp(UpstreamRoute.ResponseDelete, "resp_1"), string.Empty, stream: false);

        Assert.Equal("https://res.openai.azure.com/openai/responses/resp_1/input_items?limit=2&api-version=2025-03-01-preview", items.Url.ToString());
        Assert.Equal((HttpMethod.Delete, "https://res.openai.azure.com/openai/responses/resp_1?api-version=2025-03-01-preview"), (deleted.Method, deleted.Url.ToString()));
    }

    [Theory]
    [InlineData("../models")]
    [InlineData("resp 1")]
    [InlineData("")]
    public void AnIdThatIsNoResponseId_BuildsNoPath(string target)
    {
        Assert.Throws<DialectRefusal>(() => new OpenAiDialect().Prepare(Entry("https://api.openai.com/v1", "openai"), "sk-1", FollowUp(UpstreamRoute.ResponseRetrieve, target), string.Empty, stream: false));
    }
}
