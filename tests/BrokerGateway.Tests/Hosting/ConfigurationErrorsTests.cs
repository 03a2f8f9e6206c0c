using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Hosting;

public class ConfigurationErrorsTests
{
    private static (bool Valid, string Error) Validate(
        string? rabbitMqUrl, bool requireBroker, string? queueMaxLength = null, string? acceptanceTimeout = null, string? queueType = null, string? fairShare = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [BusOptions.QueueTypeKey] = queueType,
            [BusOptions.FairShareKey] = fairShare,
            [BusOptions.RabbitMqUrlKey] = rabbitMqUrl,
            [BusOptions.QueueMaxLengthKey] = queueMaxLength,
            ["Routing:AcceptanceTimeoutSeconds"] = acceptanceTimeout,
        });
        builder.AddGatewayBus(requireBroker);
        using var host = builder.Build();
        using var error = new StringWriter();
        return (ConfigurationErrors.TryValidate(host.Services, error), error.ToString());
    }

    [Theory]
    [InlineData("http://guest:secret@localhost:5672/")]
    [InlineData("amqp://guest:secret@localhost:5672/gateway/extra")]
    [InlineData("amqp://guest:secret@rabbit-1:5672/gateway,amqp://rabbit-2:5672/other")]
    public void TryValidate_RabbitMqUrlNotAmqpWithOneVirtualHost_FailsWithOneLineNamingTheKey(string url)
    {
        var (valid, error) = Validate(url, requireBroker: false);

        Assert.False(valid);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: RABBITMQ_URL:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_BrokerRequiredButUnset_FailsNamingTheKey()
    {
        var (valid, error) = Validate(null, requireBroker: true);

        Assert.False(valid);
        Assert.Contains("RABBITMQ_URL: is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_RetiredKeySet_PassesWithOneWarningNamingTheKey()
    {
        var (valid, error) = Validate(null, requireBroker: false, acceptanceTimeout: "6");

        Assert.True(valid);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration warning: Routing:AcceptanceTimeoutSeconds: no longer has any effect", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("amqp://guest:guest@localhost:5672/", true)]
    [InlineData("amqp://guest:guest@localhost:5672", true)]
    [InlineData("amqps://guest:guest@localhost:5671/gateway", true)]
    [InlineData("amqp://guest:guest@localhost:5672/%2F", true)]
    [InlineData("amqp://guest:guest@rabbit-1:5672/gw,amqp://rabbit-2:5672,amqp://rabbit-3", true)]
    public void TryValidate_GoodConfiguration_Passes(string? url, bool requireBroker)
    {
        var (valid, error) = Validate(url, requireBroker);

        Assert.True(valid);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("10000001")]
    [InlineData("lots")]
    [InlineData("1.5")]
    public void TryValidate_BadQueueMaxLength_FailsWithOneLineNamingTheKey(string value)
    {
        var (valid, error) = Validate(null, requireBroker: false, value);

        Assert.False(valid);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: RABBITMQ_QUEUE_MAX_LENGTH: must be a whole number", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_AQueueTypeNeitherClassicNorQuorum_FailsNamingTheKey()
    {
        var (valid, error) = Validate("amqp://guest:guest@localhost:5672/", requireBroker: true, queueType: "stream");

        Assert.False(valid);
        Assert.StartsWith("Configuration error: RABBITMQ_QUEUE_TYPE: must be classic or quorum", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_QuorumQueuesWithFairShare_FailsNamingBothKeys()
    {
        var (valid, error) = Validate("amqp://guest:guest@localhost:5672/", requireBroker: true, queueType: "quorum", fairShare: "true");

        Assert.False(valid);
        Assert.StartsWith("Configuration error: RABBITMQ_QUEUE_TYPE: quorum cannot be combined with FairShare:Enabled=true", error, StringComparison.Ordinal);
        Assert.True(Validate("amqp://guest:guest@localhost:5672/", requireBroker: true, queueType: "QUORUM").Valid);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10000000")]
    public void TryValidate_QueueMaxLengthInRange_Passes(string value) => Assert.True(Validate(null, requireBroker: false, value).Valid);

    [Fact]
    public void TryValidate_WordWhereANumberBelongs_FailsWithOneLineNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Limits:Seconds"] = "soon" });
        builder.Services.AddOptions<NumberOptions>().BindConfiguration("Limits").ValidateOnStart();
        using var host = builder.Build();
        using var error = new StringWriter();

        Assert.False(ConfigurationErrors.TryValidate(host.Services, error));
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Limits:Seconds", line, StringComparison.Ordinal);
    }

    private sealed class NumberOptions
    {
        public int Seconds { get; set; }
    }
}
