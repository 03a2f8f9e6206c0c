using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Tests.Ingress;

public class RoutingOptionsTests
{
    private static ValidateOptionsResult Validate(RoutingOptions options) =>
        new DataAnnotationValidateOptions<RoutingOptions>(null).Validate(null, options);

    [Fact]
    public void AFirstCooldownLongerThanTheMaximum_IsRefusedNamingBothKeys()
    {
        var result = Validate(new RoutingOptions { CooldownSeconds = 600, MaxCooldownSeconds = 300 });

        Assert.True(result.Failed);
        Assert.Contains("Routing:CooldownSeconds: 600 is longer than Routing:MaxCooldownSeconds (300)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaults_AndACooldownEqualToTheMaximum_Pass()
    {
        Assert.True(Validate(new RoutingOptions()).Succeeded);
        Assert.True(Validate(new RoutingOptions { CooldownSeconds = 300, MaxCooldownSeconds = 300 }).Succeeded);
    }
}
