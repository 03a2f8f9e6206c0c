using System.Net;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress;

/// <summary>GLOBUS_GROUPS for the gateway, <c>allowed_groups</c> for a manifest entry.</summary>
public sealed class AccessControlTests : IAsyncLifetime
{
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = await StandaloneIngressFactory.CreateAsync(
            new() { ["GLOBUS_GROUPS"] = "g1 physics" },
            TestManifest.Entry("physics-only", "mock://echo", "physics-mock", ["physics-model"], allowedGroups: ["physics"]));
        await _factory.CreateReadyClientAsync();
    }

    private HttpClient Client(params string[] groups) => _factory.CreateClient(TestTokens.Issue(groups: groups));

    private static StringContent Chat(string model) => Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""");

    [Fact]
    public async Task CallerInNoneOfTheGatewaysGroups_Is403()
    {
        var response = await Client("chemistry").PostAsync("/v1/chat/completions", Chat("mock-gpt"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("group_not_allowed", await Json.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task ModelOfAnotherGroup_Is403AndHiddenFromModelsAndEndpoints()
    {
        var client = Client("g1");

        var denied = await client.PostAsync("/v1/chat/completions", Chat("physics-model"));
        var models = await client.GetStringAsync("/v1/models");
        var endpoints = await client.GetStringAsync("/v1/endpoints");

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("model_access_denied", await Json.ErrorCodeAsync(denied));
        Assert.DoesNotContain("physics-model", models, StringComparison.Ordinal);
        Assert.DoesNotContain("physics-mock", endpoints, StringComparison.Ordinal);
        Assert.Contains("mock-gpt", models, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetrievingAModel_GivesTheModelObject_OrNotFound_AlsoForAModelOfAnotherGroup()
    {
        var client = Client("g1");

        var mock = await client.GetAsync("/v1/models/mock-gpt");
        var hidden = await client.GetAsync("/resource_server/metis/api/v1/models/physics-model");
        var unknown = await client.GetAsync("/v1/models/no-such-model");

        Assert.Equal(HttpStatusCode.OK, mock.StatusCode);
        var model = (await Json.ReadAsync(mock)).GetProperty("id").GetString();
        Assert.Equal("mock-gpt", model);
        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (hidden.StatusCode, await Json.ErrorCodeAsync(hidden)));
        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (unknown.StatusCode, await Json.ErrorCodeAsync(unknown)));
    }

    [Fact]
    public async Task ModelOfTheCallersGroup_IsServedAndListed()
    {
        var client = Client("physics");

        var response = await client.PostAsync("/v1/chat/completions", Chat("physics-model"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("physics-model", await client.GetStringAsync("/v1/models"), StringComparison.Ordinal);
        var whoami = await Json.ReadAsync(await client.GetAsync("/v1/whoami"));
        Assert.Equal(["physics"], whoami.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!));
        Assert.Equal("jwt", whoami.GetProperty("auth_method").GetString());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
