using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>JWTs minted in the test with the key the test ingress is configured with.</summary>
internal static class TestTokens
{
    public const string SigningKey = "test-signing-key-that-is-long-enough-for-hs256";
    public const string Issuer = "brokergateway-test";
    public const string Audience = "brokergateway";

    public static JwtOptions Options => new() { SigningKey = SigningKey, Issuer = Issuer, Audience = Audience };

    public static IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["Auth:Jwt:SigningKey"] = SigningKey,
        ["Auth:Jwt:Issuer"] = Issuer,
        ["Auth:Jwt:Audience"] = Audience,
    };

    public static string Issue(string subject = "alice", TimeSpan? lifetime = null, JwtOptions? options = null, TimeProvider? time = null, string[]? groups = null) =>
        TokenIssuer.Issue(options ?? Options, subject, groups ?? ["g1"], lifetime ?? TimeSpan.FromMinutes(10), time ?? TimeProvider.System);
}
