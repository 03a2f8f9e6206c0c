namespace BrokerGateway.Ingress.Auth;

/// <summary>How bearer JWTs are validated (section <c>Auth:Jwt</c>). Issuer, audience, lifetime and signature are always checked.</summary>
public sealed class JwtOptions
{
    public const string Section = "Auth:Jwt";

    /// <summary>An OIDC issuer URL; signing keys come from its discovery document and JWKS.</summary>
    public string? Authority { get; set; }

    /// <summary>A symmetric HS256 key of at least 32 bytes, for development and tests.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The <c>iss</c> tokens must carry; with <see cref="Authority"/>, defaults to the authority's issuer.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> tokens must carry.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that lists the caller's groups.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Whether the authority's metadata must be fetched over https.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Tolerated clock difference when checking <c>exp</c> and <c>nbf</c>.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    public override string ToString() => $"JwtOptions(Authority={Authority}, Issuer={Issuer}, Audience={Audience}, SigningKey={(SigningKey is null ? "unset" : "set")})";
}
