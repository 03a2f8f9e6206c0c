using System.Text;
using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Tests.Contracts;

public class ManifestParserTests
{
    private const string SeedExample = """
        {
          "openai-gpt4": {
            "status": "Live", "model": "OpenAI GPT-4", "description": "GPT-4 models via OpenAI API",
            "experts": ["gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-mini"],
            "url": "https://api.openai.com/v1", "endpoint_id": "openai-production"
          },
          "anthropic-claude": {
            "status": "Live", "model": "Anthropic Claude", "description": "Claude models via Anthropic API",
            "experts": ["claude-3-opus-20240229", "claude-3-sonnet-20240229", "claude-3-haiku-20240307"],
            "url": "https://api.anthropic.com/v1", "endpoint_id": "anthropic-production"
          }
        }
        """;

    private static ManifestParseResult Parse(string json) => ManifestParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_SeedExample_ReturnsEveryEntryWithItsFields()
    {
        var result = Parse(SeedExample);

        Assert.Null(result.Error);
        Assert.Empty(result.Problems);
        Assert.Equal(["openai-gpt4", "anthropic-claude"], result.Manifest!.Entries.Select(e => e.Name));
        var openai = result.Manifest.Entries[0];
        Assert.Equal(EndpointStatus.Live, openai.Status);
        Assert.Equal("openai-production", openai.EndpointId);
        Assert.Equal("https://api.openai.com/v1", openai.Url);
        Assert.Contains("gpt-4o-mini", openai.Experts);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("model")]
    [InlineData("description")]
    [InlineData("experts")]
    [InlineData("url")]
    [InlineData("endpoint_id")]
    public void Parse_EntryMissingARequiredField_SkipsOnlyThatEntryNamingEntryAndField(string field)
    {
        var fields = new Dictionary<string, string>
        {
            ["status"] = "\"Live\"",
            ["model"] = "\"M\"",
            ["description"] = "\"D\"",
            ["experts"] = "[\"m1\"]",
            ["url"] = "\"http://127.0.0.1:9/v1\"",
            ["endpoint_id"] = "\"broken\"",
        };
        fields.Remove(field);
        var broken = string.Join(",", fields.Select(kv => $"\"{kv.Key}\":{kv.Value}"));
        var json = "{\"broken\": {" + broken + "}, \"good\": {\"status\":\"Live\",\"model\":\"M\",\"description\":\"D\",\"experts\":[\"m2\"],\"url\":\"http://127.0.0.1:9/v1\",\"endpoint_id\":\"good\"}}";

        var result = Parse(json);

        Assert.Equal(["good"], result.Manifest!.Entries.Select(e => e.Name));
        var problem = Assert.Single(result.Problems);
        Assert.Equal("broken", problem.Entry);
        Assert.Equal(field, problem.Field);
    }

    [Theory]
    [InlineData("\"status\":\"Sleeping\"", "status")]
    [InlineData("\"status\":1", "status")]
    [InlineData("\"status\":\"Live, Offline\"", "status")]
    [InlineData("\"status\":\"1\"", "status")]
    [InlineData("\"experts\":[]", "experts")]
    [InlineData("\"experts\":\"gpt-4\"", "experts")]
    [InlineData("\"experts\":[1]", "experts")]
    [InlineData("\"url\":\"ftp://x/v1\"", "url")]
    [InlineData("\"url\":\"not a url\"", "url")]
    [InlineData("\"endpoint_id\":\"has space\"", "endpoint_id")]
    [InlineData("\"model\":\"\"", "model")]
    [InlineData("\"model\":\"M\",\"weight\":0", "weight")]
    [InlineData("\"model\":\"M\",\"weight\":\"2\"", "weight")]
    [InlineData("\"model\":\"M\",\"allowed_groups\":\"physics\"", "allowed_groups")]
    [InlineData("\"model\":\"M\",\"allowed_groups\":[\"\"]", "allowed_groups")]
    [InlineData("\"model\":\"M\",\"stream_usage\":\"no\"", "stream_usage")]
    [InlineData("\"model\":\"M\",\"max_concurrency\":0", "max_concurrency")]
    [InlineData("\"model\":\"M\",\"max_concurrency\":-4", "max_concurrency")]
    [InlineData("\"model\":\"M\",\"max_concurrency\":2.5", "max_concurrency")]
    [InlineData("\"model\":\"M\",\"max_concurrency\":\"8\"", "max_concurrency")]
    [InlineData("\"model\":\"M\",\"max_concurrency\":10001", "max_concurrency")]
    [InlineData("\"api\":\"bedrock\"", "api")]
    [InlineData("\"api\":1", "api")]
    [InlineData("\"api_version\":\"\"", "api_version")]
    [InlineData("\"api_version\":\"2024 10\"", "api_version")]
    [InlineData("\"headers\":[\"x\"]", "headers")]
    [InlineData("\"headers\":{\"Authorization\":\"Bearer sk-x\"}", "headers")]
    [InlineData("\"headers\":{\"API-KEY\":\"x\"}", "headers")]
    [InlineData("\"headers\":{\"x-team\":\"a\\nb\"}", "headers")]
    [InlineData("\"headers\":{\"bad name\":\"x\"}", "headers")]
    [InlineData("\"headers\":{\"x-team\":3}", "headers")]
    [InlineData("\"responses\":\"proxy\"", "responses")]
    public void Parse_FieldWithBadValue_SkipsEntryNamingTheField(string replacement, string field)
    {
        var defaults = new Dictionary<string, string>
        {
            ["status"] = "\"status\":\"Live\"",
            ["model"] = "\"model\":\"M\"",
            ["description"] = "\"description\":\"D\"",
            ["experts"] = "\"experts\":[\"m\"]",
            ["url"] = "\"url\":\"http://127.0.0.1:9/v1\"",
            ["endpoint_id"] = "\"endpoint_id\":\"e\"",
        };
        defaults[field] = replacement;

        var result = Parse("{\"entry\": {" + string.Join(",", defaults.Values) + "}}");

        Assert.Empty(result.Manifest!.Entries);
        Assert.Equal(field, Assert.Single(result.Problems).Field);
    }

    [Theory]
    [InlineData("live", EndpointStatus.Live)]
    [InlineData("Offline", EndpointStatus.Offline)]
    [InlineData("Maintenance", EndpointStatus.Maintenance)]
    public void Parse_Status_AcceptsTheThreeValues(string status, EndpointStatus expected)
    {
        var result = Parse("{\"e\":{\"status\":\"" + status + "\",\"model\":\"M\",\"description\":\"\",\"experts\":[\"m\"],\"url\":\"mock://echo\",\"endpoint_id\":\"e\"}}");

        Assert.Equal(expected, Assert.Single(result.Manifest!.Entries).Status);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("")]
    public void Parse_DocumentThatIsNotAnObject_IsRejectedWhole(string json)
    {
        var result = Parse(json);

        Assert.Null(result.Manifest);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Parse_SecondEntryWithSameEndpointId_IsSkipped()
    {
        var result = Parse("""
            {"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"same"},
             "b":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://other/v1","endpoint_id":"same"}}
            """);

        Assert.Equal(["a"], result.Manifest!.Entries.Select(e => e.Name));
        Assert.Contains("'a'", Assert.Single(result.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownFields_AreIgnored()
    {
        var result = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1/","endpoint_id":"a","weight":3,"notes":"x"}}""");

        var entry = Assert.Single(result.Manifest!.Entries);
        Assert.Equal("http://h/v1", entry.Url);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Parse_OptionalWeightAllowedGroupsAndStreamUsage_AreRead()
    {
        var result = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"a","weight":2.5,"allowed_groups":["physics","chemistry"],"stream_usage":false,"max_concurrency":16}}""");

        var entry = Assert.Single(result.Manifest!.Entries);
        Assert.Equal(2.5, entry.Weight);
        Assert.Equal(["physics", "chemistry"], entry.AllowedGroups);
        Assert.False(entry.StreamUsage);
        Assert.Equal(16, entry.MaxConcurrency);
    }

    [Fact]
    public void Parse_DialectFields_AreRead()
    {
        var result = Parse("""
            {
              "azure": {"status": "Live", "model": "M", "description": "D", "experts": ["gpt-4o"], "endpoint_id": "azure",
                        "url": "https://res.openai.azure.com/openai/deployments/gpt4o", "api": "azure", "api_version": "2024-10-21",
                        "headers": {"x-ms-client-request-id-prefix": "hpc", "X-Team": "physics"}},
              "claude": {"status": "Live", "model": "M", "description": "D", "experts": ["claude-sonnet-4-5"], "endpoint_id": "claude",
                         "url": "https://api.anthropic.com/v1", "api": "Anthropic"},
              "vllm": {"status": "Live", "model": "M", "description": "D", "experts": ["llama"], "endpoint_id": "vllm",
                       "url": "http://gpu01:8000/v1", "responses": "translate"}
            }
            """);

        Assert.Empty(result.Problems);
        var (azure, claude, vllm) = (result.Manifest!.Entries[0], result.Manifest.Entries[1], result.Manifest.Entries[2]);
        Assert.Equal((UpstreamApi.Azure, "2024-10-21", ResponsesMode.Native), (azure.Api, azure.ApiVersion, azure.ResponsesServedBy));
        Assert.Equal("physics", azure.Headers!["x-team"]);
        Assert.Equal((UpstreamApi.Anthropic, null, ResponsesMode.Translate), (claude.Api, claude.ApiVersion, claude.ResponsesServedBy));
        Assert.Equal((UpstreamApi.OpenAi, ResponsesMode.Translate), (vllm.Api, vllm.ResponsesServedBy));
        Assert.Null(vllm.Headers);
    }

    [Fact]
    public void Parse_AzureDeploymentsUrlWithoutApiVersion_SkipsTheEntry_WhileAV1UrlNeedsNone()
    {
        var result = Parse("""
            {
              "deployment": {"status": "Live", "model": "M", "description": "D", "experts": ["m"], "endpoint_id": "d",
                             "url": "https://res.openai.azure.com/openai/deployments/gpt4o", "api": "azure"},
              "v1": {"status": "Live", "model": "M", "description": "D", "experts": ["m"], "endpoint_id": "v1",
                     "url": "https://res.openai.azure.com/openai/v1", "api": "azure"}
            }
            """);

        Assert.Equal("v1", Assert.Single(result.Manifest!.Entries).Name);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("deployment", "api_version"), (problem.Entry, problem.Field));
    }

    [Fact]
    public void Parse_AnAnthropicEntryWithNativeResponses_IsSkipped_ForAnthropicHasNoResponsesApi()
    {
        var result = Parse("""
            {"claude": {"status": "Live", "model": "M", "description": "D", "experts": ["c"], "endpoint_id": "c",
                        "url": "https://api.anthropic.com/v1", "api": "anthropic", "responses": "native"}}
            """);

        Assert.Empty(result.Manifest!.Entries);
        Assert.Equal(("claude", "responses"), (Assert.Single(result.Problems).Entry, result.Problems[0].Field));
    }

    [Fact]
    public void Parse_ChangedDialectOrHeaders_IsAChange()
    {
        const string Base = "{\"a\":{\"status\":\"Live\",\"model\":\"M\",\"description\":\"D\",\"experts\":[\"m\"],\"url\":\"http://h/v1\",\"endpoint_id\":\"a\"";
        var plain = Parse(Base + "}}").Manifest!;

        Assert.False(ManifestDiff.Between(plain, Parse(Base + ",\"api\":\"anthropic\"}}").Manifest!).IsEmpty);
        Assert.False(ManifestDiff.Between(plain, Parse(Base + ",\"headers\":{\"x-a\":\"1\"}}}").Manifest!).IsEmpty);
        Assert.False(ManifestDiff.Between(Parse(Base + ",\"headers\":{\"x-a\":\"1\"}}}").Manifest!, Parse(Base + ",\"headers\":{\"x-a\":\"2\"}}}").Manifest!).IsEmpty);
        Assert.True(ManifestDiff.Between(plain, Parse(Base + ",\"api\":\"openai\"}}").Manifest!).IsEmpty);
    }

    [Fact]
    public void Parse_ChangedMaxConcurrency_IsAChange()
    {
        var before = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"a","max_concurrency":4}}""").Manifest!;
        var after = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"a","max_concurrency":8}}""").Manifest!;

        Assert.False(ManifestDiff.Between(before, after).IsEmpty);
        Assert.Null(Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"a"}}""").Manifest!.Entries[0].MaxConcurrency);
    }

    [Fact]
    public void Parse_WithoutStreamUsage_AsksForUsage()
    {
        var result = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"http://h/v1","endpoint_id":"a"}}""");

        Assert.True(Assert.Single(result.Manifest!.Entries).StreamUsage);
    }

    [Fact]
    public void Parse_MockUrl_MarksTheBuiltInProvider()
    {
        var result = Parse("""{"a":{"status":"Live","model":"M","description":"D","experts":["m"],"url":"mock://echo","endpoint_id":"a"}}""");

        Assert.True(Assert.Single(result.Manifest!.Entries).IsMock);
    }
}
