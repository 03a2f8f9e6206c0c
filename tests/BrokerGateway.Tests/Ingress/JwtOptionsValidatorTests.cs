using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Tests.Ingress;

public class JwtOptionsValidatorTests
{
    private static IEnumerable<string> Failures(JwtOptions options) =>
        new JwtOptionsValidator().Validate(null, options).Failures ?? [];

    [Fact]
    public void Validate_NeitherKeyNorAuthority_FailsNamingTheKeys()
    {
        var failure = Assert.Single(Failures(new JwtOptions { Audience = "a" }));

        Assert.StartsWith("Auth:Jwt:SigningKey:", failure, StringComparison.Ordinal);
        Assert.Contains("Auth:Jwt:Authority", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShortKey_Fails()
    {
        Assert.Contains(Failures(new JwtOptions { SigningKey = "short", Issuer = "i", Audience = "a" }), f => f.Contains("at least 32 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoAudience_Fails()
    {
        Assert.Contains(Failures(new JwtOptions { SigningKey = new string('k', 40), Issuer = "i" }), f => f.StartsWith("Auth:Jwt:Audience:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_HttpAuthorityWhileHttpsRequired_Fails()
    {
        Assert.Contains(Failures(new JwtOptions { Authority = "http://idp.example.org", Audience = "a" }), f => f.StartsWith("Auth:Jwt:Authority:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_KeyAndAuthorityTogether_Fails()
    {
        Assert.NotEmpty(Failures(new JwtOptions { Authority = "https://idp.example.org", SigningKey = new string('k', 40), Issuer = "i", Audience = "a" }));
    }

    [Fact]
    public void Validate_GoodSymmetricOrAuthorityConfiguration_Passes()
    {
        Assert.Empty(Failures(new JwtOptions { SigningKey = new string('k', 40), Issuer = "i", Audience = "a" }));
        Assert.Empty(Failures(new JwtOptions { Authority = "https://idp.example.org", Audience = "a" }));
    }

    [Fact]
    public void Validate_NoJwtButIntrospectionOn_Passes()
    {
        Assert.True(new JwtOptionsValidator(introspectionEnabled: true).Validate(null, new JwtOptions()).Succeeded);
    }

    [Theory]
    [InlineData("http://idp.example.org/introspect", "id", "secret", "true", "Auth:Introspection:Url:")]
    [InlineData("https://idp.example.org/introspect", "", "secret", "true", "Auth:Introspection:ClientId:")]
    [InlineData("https://idp.example.org/introspect", "id", "", "true", "Auth:Introspection:ClientSecret:")]
    public void IntrospectionValidate_IncompleteSettings_NameTheKey(string url, string id, string secret, string requireHttps, string key)
    {
        var options = new IntrospectionOptions { Url = url, ClientId = id, ClientSecret = secret, RequireHttps = bool.Parse(requireHttps) };

        var failure = Assert.Single(new IntrospectionOptionsValidator().Validate(null, options).Failures!);

        Assert.StartsWith(key, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", options.ToString().Replace("ClientSecret=set", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
