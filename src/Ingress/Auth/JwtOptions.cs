namespace BrokerGateway.Ingress.Auth;

/// <summary>How bearer JWTs are validated (section <c>Auth:Jwt</c>). Issuer, audience, lifetime and signature are always checked.</summary>
internal sealed class JwtOptions
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

    /// <summary>Whether tokens may be validated locally at all (a key or an authority is set).</summary>
    public bool Enabled => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(Authority);

    /// <summary>The issuer a locally validated token must name: the configured one, else the authority's URL.</summary>
    public string? ExpectedIssuer => (string.IsNullOrEmpty(Issuer) ? Authority : Issuer)?.TrimEnd('/');

    public override string ToString() => $"JwtOptions(Authority={Authority}, Issuer={Issuer}, Audience={Audience}, SigningKey={(SigningKey is null ? "unset" : "set")})";
}
