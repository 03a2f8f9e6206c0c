using System.Text;
using BrokerGateway.Ingress.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Ingress.Auth;

internal static partial class JwtAuthentication
{
    internal static SymmetricSecurityKey SigningKey(JwtOptions options) =>
        new(Encoding.UTF8.GetBytes(options.SigningKey!));

    /// <summary>
    /// Bearer JWT validation: issuer, audience, lifetime and signature always validated, keys from
    /// <c>Auth:Jwt:SigningKey</c> or the OIDC authority's JWKS. A caller without a valid token gets
    /// 401 in OpenAI's error shape with <c>WWW-Authenticate: Bearer</c>.
    /// </summary>
    internal static void Configure(JwtBearerOptions bearer, JwtOptions jwt, ILogger logger)
    {
        bearer.MapInboundClaims = false;
        bearer.IncludeErrorDetails = false;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        if (!string.IsNullOrEmpty(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
        }

        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = string.IsNullOrEmpty(jwt.Issuer) ? null : jwt.Issuer,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = string.IsNullOrEmpty(jwt.SigningKey) ? null : SigningKey(jwt),
            ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
            NameClaimType = "sub",
            RoleClaimType = jwt.GroupsClaim,
        };
        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Only the Authorization header carries a token; one in the query string is refused.
                if (context.Request.Query.ContainsKey("access_token"))
                {
                    LogRejected(logger, "a token in the query string is not accepted", context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    context.Fail("a token in the query string is not accepted");
                }
                else if (!context.Request.Headers.ContainsKey("Authorization") && BearerToken.From(context.Request) is { } key)
                {
                    // Anthropic's SDKs send the key as x-api-key: the gateway's token is accepted there too.
                    context.Token = key;
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // Limits, budgets and usage are per user: a token that names nobody is refused.
                if (string.IsNullOrEmpty(context.Principal?.FindFirst("sub")?.Value))
                {
                    LogRejected(logger, "the token has no subject (sub)", context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    context.Fail("the token has no subject (sub)");
                }

                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                LogRejected(logger, Reason(context.Exception), context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                return Task.CompletedTask;
            },
            OnForbidden = _ => Task.CompletedTask,
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var error = context.AuthenticateFailure is { } failure
                    ? ApiErrors.InvalidToken(Reason(failure))
                    : ApiErrors.MissingToken();
                context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                    ? "Bearer"
                    : "Bearer error=\"invalid_token\"";
                await error.WriteAsync(context.HttpContext);
            },
        };
    }

    /// <summary>Why a token was refused, in words safe to show and log: never the token or the library's message.</summary>
    internal static string Reason(Exception exception) => exception switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidAudienceException => "the token is not for this audience",
        SecurityTokenInvalidIssuerException => "the token is from an issuer this gateway does not trust",
        SecurityTokenSignatureKeyNotFoundException => "the token is signed with an unknown key",
        SecurityTokenInvalidSignatureException => "the token's signature is invalid",
        SecurityTokenMalformedException => "the token is malformed",
        ArgumentException => "the token is malformed",
        AuthenticationFailureException => exception.Message,
        _ => "the token could not be validated",
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Bearer token refused from {RemoteAddress}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason, string remoteAddress);
}
