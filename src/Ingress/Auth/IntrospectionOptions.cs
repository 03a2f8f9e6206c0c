using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// RFC 7662 token introspection (section <c>Auth:Introspection</c>), the way Globus Auth validates
/// its opaque access tokens. Off while <see cref="Url"/> is unset. The secret is never logged.
/// </summary>
internal sealed class IntrospectionOptions
{
    public const string Section = "Auth:Introspection";

    /// <summary>The introspection endpoint, e.g. <c>https://auth.globus.org/v2/oauth2/token/introspect</c>.</summary>
    public string? Url { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>How long an answer is reused (never past the token's <c>exp</c>); bounds how long a revoked token keeps working.</summary>
    public int CacheSeconds { get; set; } = 60;

    /// <summary>
    /// When set, an active answer must name it in <c>aud</c> (a string or an array) or as its
    /// <c>client_id</c>: a token issued for another service of the same identity provider is refused.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>The response field holding the caller's id.</summary>
    public string SubjectField { get; set; } = "sub";

    /// <summary>The response field holding the caller's groups (an array, or a space-separated string).</summary>
    public string GroupsField { get; set; } = "groups";

    /// <summary>Whether the endpoint must be https (turn off only for a server on loopback).</summary>
    public bool RequireHttps { get; set; } = true;

    public int TimeoutSeconds { get; set; } = 10;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public override string ToString() => $"IntrospectionOptions(Url={Url}, ClientId={ClientId}, ClientSecret={(ClientSecret is null ? "unset" : "set")})";
}

internal sealed class IntrospectionOptionsValidator : IValidateOptions<IntrospectionOptions>
{
    public ValidateOptionsResult Validate(string? name, IntrospectionOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && (options.RequireHttps || url.Scheme != Uri.UriSchemeHttp)))
        {
            failures.Add($"{IntrospectionOptions.Section}:Url: must be an https URL (http only with RequireHttps=false)");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{IntrospectionOptions.Section}:ClientId: is required with an introspection Url");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            failures.Add($"{IntrospectionOptions.Section}:ClientSecret: is required with an introspection Url");
        }

        if (options.CacheSeconds is < 0 or > 3600)
        {
            failures.Add($"{IntrospectionOptions.Section}:CacheSeconds: must be from 0 to 3600");
        }

        if (options.TimeoutSeconds is < 1 or > 120)
        {
            failures.Add($"{IntrospectionOptions.Section}:TimeoutSeconds: must be from 1 to 120");
        }

        if (string.IsNullOrWhiteSpace(options.SubjectField) || string.IsNullOrWhiteSpace(options.GroupsField))
        {
            failures.Add($"{IntrospectionOptions.Section}:SubjectField: and GroupsField must name response fields");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
