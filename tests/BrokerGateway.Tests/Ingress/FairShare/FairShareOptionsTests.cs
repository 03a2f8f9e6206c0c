using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Ingress.FairShare;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Ingress.FairShare;

public class FairShareOptionsTests
{
    private static (bool Valid, string Error) Validate(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddGatewayBus(requireBroker: false);
        builder.AddFairShare();
        using var host = builder.Build();
        using var error = new StringWriter();
        return (ConfigurationErrors.TryValidate(host.Services, error), error.ToString());
    }

    [Theory]
    [InlineData("FairShare:Shares:proj-a", "0", "FairShare:Shares:proj-a: must be a number above 0")]
    [InlineData("FairShare:DefaultShare", "-1", "FairShare:DefaultShare: must be a number above 0")]
    [InlineData("FairShare:HalfLifeMinutes", "0", "FairShare:HalfLifeMinutes: must be from 1 to 1000000")]
    [InlineData(BusOptions.FairShareKey, "maybe", "FairShare:Enabled: must be true or false")]
    public void TryValidate_ABadSetting_FailsNamingTheKey(string key, string value, string expected)
    {
        var (valid, error) = Validate(new() { [key] = value });

        Assert.False(valid);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_SharesAndAHalfLife_Pass()
    {
        var (valid, error) = Validate(new()
        {
            [BusOptions.FairShareKey] = "true",
            ["FairShare:Shares:proj-a"] = "3",
            ["FairShare:Shares:proj-b"] = "0.5",
            ["FairShare:HalfLifeMinutes"] = "1440",
            ["FairShare:UsageUnit"] = "Seconds",
        });

        Assert.True(valid, error);
    }
}
