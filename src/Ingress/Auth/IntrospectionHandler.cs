using System.Security.Claims;
using System.Text.Encodings.Web;
using BrokerGateway.Ingress.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// Authenticates opaque bearer tokens by introspection. An inactive or expired token gets 401; an
/// introspection server that cannot answer gets 503 (the request may be retried), never 401 or 500.
/// </summary>
internal sealed partial class IntrospectionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    TokenIntrospector introspector,
    IOptions<JwtOptions> jwt) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "Introspection";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Query.ContainsKey("access_token"))
        {
            return Refuse("a token in the query string is not accepted");
        }

        if (BearerToken.From(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        IntrospectionResult result;
        try
        {
            result = await introspector.IntrospectAsync(token, Context.RequestAborted);
        }
        catch (IntrospectionUnavailableException ex)
        {
            LogUnavailable(Logger, ex.Message);
            return AuthenticateResult.Fail(ex);
        }

        if (!result.Active)
        {
            return Refuse(result.Refusal ?? "the token is not active (expired, revoked or unknown)");
        }

        var claims = new List<Claim> { new("sub", result.Subject!), new(CallerIdentity.MethodClaim, "introspection") };
        claims.AddRange(result.Groups.Select(g => new Claim(jwt.Value.GroupsClaim, g)));
        var identity = new ClaimsIdentity(claims, SchemeName, "sub", jwt.Value.GroupsClaim);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var outcome = await HandleAuthenticateOnceSafeAsync();
        if (outcome.Failure is IntrospectionUnavailableException)
        {
            await ApiErrors.AuthUnavailable().WriteAsync(Context);
            return;
        }

        Response.Headers.WWWAuthenticate = outcome.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await (outcome.Failure is { } failure ? ApiErrors.InvalidToken(failure.Message) : ApiErrors.MissingToken()).WriteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;

    private AuthenticateResult Refuse(string reason)
    {
        LogRefused(Logger, reason, Context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return AuthenticateResult.Fail(reason);
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Bearer token refused from {RemoteAddress}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason, string remoteAddress);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Token introspection unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
