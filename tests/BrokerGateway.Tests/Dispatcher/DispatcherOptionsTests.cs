using BrokerGateway.Dispatcher;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Dispatcher;

public class DispatcherOptionsTests
{
    private static (DispatcherOptions Options, ValidateOptionsResult Result) Bind(Dictionary<string, string?> values)
    {
        // As the options system runs it: every configure step in order, then the validator.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddDispatcherOptions().BuildServiceProvider();
        var options = new DispatcherOptions();
        foreach (var setup in services.GetServices<IConfigureOptions<DispatcherOptions>>())
        {
            setup.Configure(options);
        }

        return (options, new DispatcherOptionsValidator().Validate(null, options));
    }

    [Fact]
    public void Bind_SeedJsonObject_MapsEndpointIdsToKeys()
    {
        var (options, result) = Bind(new() { ["METIS_API_TOKENS"] = """{"openai-production": "sk-proj-1", "anthropic-production": "sk-ant-2"}""" });

        Assert.True(result.Succeeded);
        Assert.Equal("sk-proj-1", options.ApiTokens["openai-production"]);
        Assert.Equal("sk-ant-2", options.ApiTokens["anthropic-production"]);
    }

    [Theory]
    [InlineData(null, null, 512)]
    [InlineData("amqp://guest:guest@localhost:5672/", null, 2048)]
    [InlineData("amqp://guest:guest@localhost:5672/", "300", 300)]
    [InlineData(null, "4000", 4000)]
    public void Bind_Concurrency_DefaultsByTransport_AndTheKeyWins(string? rabbitMq, string? concurrency, int expected)
    {
        var (options, result) = Bind(new() { ["RABBITMQ_URL"] = rabbitMq, ["DISPATCHER_CONCURRENCY"] = concurrency });

        Assert.True(result.Succeeded);
        Assert.Equal(expected, options.Concurrency);
    }

    [Fact]
    public void Bind_AppSettingsSection_MapsEndpointIdsToKeys()
    {
        var (options, result) = Bind(new() { ["METIS_API_TOKENS:openai-production"] = "sk-proj-1" });

        Assert.True(result.Succeeded);
        Assert.Equal("sk-proj-1", options.ApiTokens["openai-production"]);
    }

    [Fact]
    public void Bind_JsonValueAndAppSettingsSection_TheJsonValueWins()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["METIS_API_TOKENS:openai-production"] = "sk-old-from-appsettings" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["METIS_API_TOKENS"] = """{"openai-production": "sk-rotated"}""" })
            .Build();
        var options = new DispatcherOptions();

        new DispatcherOptionsSetup(configuration).Configure(options);

        Assert.Equal("sk-rotated", options.ApiTokens["openai-production"]);
    }

    [Theory]
    [InlineData("""{"openai-production": "sk-secret-value" """)]
    [InlineData("""["sk-secret-value"]""")]
    [InlineData("""{"openai-production": 42}""")]
    [InlineData("sk-secret-value")]
    public void Bind_UnusableTokens_FailsNamingTheKeyWithoutShowingTheValue(string value)
    {
        var (_, result) = Bind(new() { ["METIS_API_TOKENS"] = value });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("METIS_API_TOKENS:", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret-value", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_DispatcherEndpoints_SplitsTheList()
    {
        var (options, _) = Bind(new() { ["DISPATCHER_ENDPOINTS"] = "a, b,c" });

        Assert.Equal(["a", "b", "c"], options.Endpoints);
    }

    [Theory]
    [InlineData("DISPATCHER_CONCURRENCY", "0")]
    [InlineData("DISPATCHER_CONCURRENCY", "many")]
    [InlineData("DISPATCHER_CONNECT_TIMEOUT_SECONDS", "0")]
    [InlineData("DISPATCHER_HEARTBEAT_SECONDS", "-5")]
    [InlineData("DISPATCHER_BREAKER_FAILURE_RATIO", "0")]
    [InlineData("DISPATCHER_BREAKER_FAILURE_RATIO", "1.5")]
    [InlineData("DISPATCHER_BREAKER_FAILURE_RATIO", "half")]
    [InlineData("DISPATCHER_BREAKER_MINIMUM_CALLS", "1")]
    [InlineData("DISPATCHER_BREAKER_SAMPLING_SECONDS", "0")]
    [InlineData("DISPATCHER_BREAKER_BREAK_SECONDS", "0")]
    [InlineData("DISPATCHER_BREAKER_BREAK_SECONDS", "86401")]
    [InlineData("DISPATCHER_BREAKER_SAMPLING_SECONDS", "3601")]
    [InlineData("DISPATCHER_BREAKER_MINIMUM_CALLS", "1000001")]
    [InlineData("DISPATCHER_DRAIN_SECONDS", "-1")]
    [InlineData("DISPATCHER_DRAIN_SECONDS", "3601")]
    [InlineData("DISPATCHER_DRAIN_SECONDS", "soon")]
    public void Bind_BadNumber_FailsNamingTheKey(string key, string value)
    {
        var (_, result) = Bind(new() { [key] = value });

        Assert.StartsWith(key + ":", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_AnEmptyValue_CountsAsUnset()
    {
        var (options, result) = Bind(new() { ["DISPATCHER_DRAIN_SECONDS"] = "", ["DISPATCHER_ENDPOINTS"] = "", ["DISPATCHER_HEARTBEAT_SECONDS"] = "7" });

        Assert.True(result.Succeeded, string.Join("; ", result.Failures ?? []));
        Assert.Equal((30, 7), (options.DrainSeconds, options.HeartbeatSeconds));
        Assert.Empty(options.Endpoints);
    }

    [Fact]
    public void Bind_BreakerThresholds_AreRead()
    {
        var (options, result) = Bind(new()
        {
            ["DISPATCHER_BREAKER_FAILURE_RATIO"] = "0.25",
            ["DISPATCHER_BREAKER_MINIMUM_CALLS"] = "20",
            ["DISPATCHER_BREAKER_SAMPLING_SECONDS"] = "60",
            ["DISPATCHER_BREAKER_BREAK_SECONDS"] = "5",
        });

        Assert.True(result.Succeeded);
        Assert.Equal((0.25, 20, 60, 5), (options.BreakerFailureRatio, options.BreakerMinimumCalls, options.BreakerSamplingSeconds, options.BreakerBreakSeconds));
    }

    [Fact]
    public void ToString_NeverShowsKeys()
    {
        var (options, _) = Bind(new() { ["METIS_API_TOKENS"] = """{"a": "sk-secret-value"}""" });

        Assert.DoesNotContain("sk-secret-value", options.ToString(), StringComparison.Ordinal);
    }
}
