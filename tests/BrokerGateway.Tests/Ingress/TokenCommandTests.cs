using BrokerGateway.Ingress.Auth;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace BrokerGateway.Tests.Ingress;

public class TokenCommandTests
{
    private static IConfiguration Configuration(IReadOnlyDictionary<string, string?>? values = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(values ?? TestTokens.Configuration).Build();

    [Fact]
    public void Run_SubAndGroups_PrintsOnlyASignedJwtCarryingThem()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TokenCommand.Run(["--sub", "alice", "--groups", "g1,g2"], Configuration(), output, error);

        Assert.Equal(0, exit);
        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var token = new JsonWebToken(line.Trim());
        Assert.Equal("alice", token.Subject);
        Assert.Equal(TestTokens.Issuer, token.Issuer);
        Assert.Equal([TestTokens.Audience], token.Audiences);
        Assert.Equal(["g1", "g2"], token.Claims.Where(c => c.Type == "groups").Select(c => c.Value));
        Assert.True(token.ValidTo > DateTime.UtcNow);
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public void Run_WithoutSub_ExitsWithUsageOnStandardError()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TokenCommand.Run(["--groups", "g1"], Configuration(), output, error);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output.ToString());
        Assert.Contains("--sub is required", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoSigningKey_ExplainsWhichKeyIsMissing()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TokenCommand.Run(["--sub", "alice"], Configuration(new Dictionary<string, string?> { ["Auth:Jwt:Audience"] = "a" }), output, error);

        Assert.Equal(2, exit);
        Assert.Contains("Auth:Jwt:SigningKey", error.ToString(), StringComparison.Ordinal);
    }
}
