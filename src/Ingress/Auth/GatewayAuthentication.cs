using BrokerGateway.Ingress.Errors;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace BrokerGateway.Ingress.Auth;

internal static class GatewayAuthentication
{
    /// <summary>The policy scheme that sends each token to JWT validation or to introspection.</summary>
    public const string Scheme = "GatewayBearer";

    /// <summary>
    /// Bearer tokens, validated locally as JWTs (<c>Auth:Jwt</c>) or by introspection
    /// (<c>Auth:Introspection</c>), or both: a token that parses as a JWT from the configured issuer
    /// is validated locally, any other is introspected. Then <c>GLOBUS_GROUPS</c>: a caller in none
    /// of them gets 403.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuthentication(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<IntrospectionOptions>, IntrospectionOptionsValidator>();
        services.AddOptions<IntrospectionOptions>().BindConfiguration(IntrospectionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JwtOptions>>(sp => new JwtOptionsValidator(sp.GetRequiredService<IOptions<IntrospectionOptions>>().Value.Enabled));
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateOnStart();
        services.AddOptions<AccessOptions>().Configure<IConfiguration>((o, c) =>
            o.AllowedGroups = (c[AccessOptions.GroupsKey] ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));

        services.AddMemoryCache();
        services.AddHttpClient(TokenIntrospector.HttpClientName, (sp, client) =>
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<IntrospectionOptions>>().Value.TimeoutSeconds))
            .RemoveAllLoggers();
        services.AddSingleton<TokenIntrospector>();
        services.AddSingleton<AdminGroups>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "JWT or introspection", o => o.ForwardDefaultSelector = SelectScheme)
            .AddJwtBearer()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, IntrospectionHandler>(IntrospectionHandler.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, ILoggerFactory>((bearer, jwt, loggers) =>
                JwtAuthentication.Configure(bearer, jwt.Value, loggers.CreateLogger("BrokerGateway.Ingress.Auth")));

        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AccessOptions>, IOptions<JwtOptions>>((authorization, access, jwt) =>
            authorization.DefaultPolicy = new AuthorizationPolicyBuilder(Scheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => CallerIdentity.From(context.User, jwt.Value.GroupsClaim).InAnyOf(access.Value.AllowedGroups))
                .Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenAsApiError>();
        return builder;
    }

    private static string SelectScheme(HttpContext context)
    {
        var jwt = context.RequestServices.GetRequiredService<IOptions<JwtOptions>>().Value;
        var introspection = context.RequestServices.GetRequiredService<IOptions<IntrospectionOptions>>().Value;
        if (!introspection.Enabled)
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }

        if (!jwt.Enabled || BearerToken.From(context.Request) is not { } token)
        {
            return IntrospectionHandler.SchemeName;
        }

        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token))
        {
            return IntrospectionHandler.SchemeName;
        }

        string? issuer;
        try
        {
            issuer = handler.ReadJsonWebToken(token).Issuer?.TrimEnd('/');
        }
        catch (ArgumentException)
        {
            // Three dot-separated parts that are not a JWT: an opaque token after all.
            return IntrospectionHandler.SchemeName;
        }

        return issuer is not null && issuer == jwt.ExpectedIssuer
            ? JwtBearerDefaults.AuthenticationScheme
            : IntrospectionHandler.SchemeName;
    }

    /// <summary>A caller whose token is valid but who is in none of <c>GLOBUS_GROUPS</c> gets 403 in OpenAI's shape.</summary>
    private sealed class ForbiddenAsApiError : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
            authorizeResult.Forbidden
                ? ApiErrors.GroupNotAllowed().WriteAsync(context)
                : _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
