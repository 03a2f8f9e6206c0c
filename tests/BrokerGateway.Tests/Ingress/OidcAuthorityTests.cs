using System.Net;
using System.Security.Cryptography;
using BrokerGateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Tests.Ingress;

/// <summary>
/// <c>Auth:Jwt:Authority</c>: the ingress finds the issuer's keys through OIDC discovery and JWKS,
/// served here by a real HTTP server on loopback.
/// </summary>
public sealed class OidcAuthorityTests : IAsyncLifetime
{
    private static readonly string[] SigningAlgorithms = ["RS256"];
    private readonly RsaSecurityKey _issuerKey = new(RSA.Create(2048)) { KeyId = "issuer-key-1" };
    private WebApplication _issuer = null!;
    private string _authority = null!;
    private StandaloneIngressFactory _factory = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _issuer = builder.Build();
        _issuer.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = _authority,
            ["jwks_uri"] = _authority + "/jwks",
            ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
        }));
        _issuer.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_issuerKey.Rsa.ExportParameters(false)) { KeyId = _issuerKey.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        await _issuer.StartAsync();
        _authority = _issuer.Urls.First();

        _factory = await StandaloneIngressFactory.CreateAsync(new()
        {
            ["Auth:Jwt:SigningKey"] = string.Empty,
            ["Auth:Jwt:Issuer"] = string.Empty,
            ["Auth:Jwt:Authority"] = _authority,
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
        });
    }

    private string Token(SecurityKey key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = _authority,
        Audience = TestTokens.Audience,
        Expires = DateTime.UtcNow.AddMinutes(5),
        Claims = new Dictionary<string, object> { ["sub"] = "carol" },
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
    });

    [Fact]
    public async Task TokenSignedByTheAuthority_IsAccepted()
    {
        var client = _factory.CreateClient(Token(_issuerKey));

        var response = await Eventually.Until(
            () => client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}""")),
            r => r.StatusCode != HttpStatusCode.ServiceUnavailable,
            what: "standalone ingress ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenSignedByAnotherKey_Is401()
    {
        var impostor = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "issuer-key-1" };

        var response = await _factory.CreateClient(Token(impostor)).GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _issuer.DisposeAsync();
        _issuerKey.Rsa.Dispose();
    }
}
