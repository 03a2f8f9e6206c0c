using System.Text;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Auth;

/// <summary>Refuses to start with an auth configuration that would not check tokens properly.</summary>
internal sealed class JwtOptionsValidator(bool introspectionEnabled = false) : IValidateOptions<JwtOptions>
{
    public const int MinimumKeyBytes = 32;

    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        var failures = new List<string>();
        var hasKey = !string.IsNullOrEmpty(options.SigningKey);
        var hasAuthority = !string.IsNullOrEmpty(options.Authority);
        if (!hasKey && !hasAuthority)
        {
            if (introspectionEnabled)
            {
                // Introspection alone validates tokens; local JWT validation is simply off.
                return ValidateOptionsResult.Success;
            }

            failures.Add($"{JwtOptions.Section}:SigningKey: set it (a symmetric key, for development and tests), {JwtOptions.Section}:Authority (an OIDC issuer) or {IntrospectionOptions.Section}:Url; without one no token can be validated");
        }
        else if (hasKey && hasAuthority)
        {
            failures.Add($"{JwtOptions.Section}:SigningKey: set either it or {JwtOptions.Section}:Authority, not both");
        }

        if (hasKey && Encoding.UTF8.GetByteCount(options.SigningKey!) < MinimumKeyBytes)
        {
            failures.Add($"{JwtOptions.Section}:SigningKey: must be at least {MinimumKeyBytes} bytes for HS256");
        }

        if (hasKey && string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add($"{JwtOptions.Section}:Issuer: is required with a SigningKey");
        }

        if (hasAuthority && (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority)
            || (authority.Scheme != Uri.UriSchemeHttps && (options.RequireHttpsMetadata || authority.Scheme != Uri.UriSchemeHttp))))
        {
            failures.Add($"{JwtOptions.Section}:Authority: must be an https URL (http only with RequireHttpsMetadata=false)");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{JwtOptions.Section}:Audience: is required; tokens are always checked for their audience");
        }

        if (string.IsNullOrWhiteSpace(options.GroupsClaim))
        {
            failures.Add($"{JwtOptions.Section}:GroupsClaim: must name a claim");
        }

        if (options.ClockSkewSeconds is < 0 or > 600)
        {
            failures.Add($"{JwtOptions.Section}:ClockSkewSeconds: must be from 0 to 600");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
