using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Ingress.Auth;

/// <summary>Mints HS256 JWTs that the same configuration accepts; for development, tests and first tries.</summary>
internal static class TokenIssuer
{
    public static string Issue(JwtOptions options, string subject, IReadOnlyList<string> groups, TimeSpan lifetime, TimeProvider time)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException($"{JwtOptions.Section}:SigningKey is not set: tokens can only be minted with a symmetric key");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                [options.GroupsClaim] = groups.ToArray(),
            },
            SigningCredentials = new SigningCredentials(JwtAuthentication.SigningKey(options), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
