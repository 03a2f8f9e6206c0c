using BrokerGateway.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.ManifestWatcher;

/// <summary>Where the status manifest is and how often to read it.</summary>
internal sealed class ManifestSourceOptions : IReportsUnconvertible
{
    public const string StatusUrlKey = "METIS_STATUS_URL";
    public const string PollSecondsKey = "METIS_POLL_SECONDS";

    /// <summary>The example manifest shipped with the gateway, used when <c>METIS_STATUS_URL</c> is unset.</summary>
    public static string BundledExample => Path.Combine(AppContext.BaseDirectory, "examples", "metis-status.json");

    private string _statusUrl = BundledExample;

    /// <summary>An http(s) URL, a <c>file://</c> URL or a file path; unset or empty, the bundled example.</summary>
    [ConfigurationKeyName(StatusUrlKey)]
    public string StatusUrl
    {
        get => _statusUrl;
        set => _statusUrl = string.IsNullOrEmpty(value) ? BundledExample : value;
    }

    [ConfigurationKeyName(PollSecondsKey)]
    public int PollSeconds { get; set; } = 30;

    public ISet<string> Unconvertible { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A description of the source that is safe to log: no credentials, no query string.</summary>
    public string SafeDescription =>
        Uri.TryCreate(StatusUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : StatusUrl;
}

internal sealed class ManifestSourceOptionsValidator : IValidateOptions<ManifestSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, ManifestSourceOptions options)
    {
        var failures = new List<string>();
        if (options.PollSeconds is < 1 or > 86_400 || options.Unconvertible.Contains(ManifestSourceOptions.PollSecondsKey))
        {
            failures.Add($"{ManifestSourceOptions.PollSecondsKey}: must be a whole number of seconds from 1 to 86400");
        }

        if (string.IsNullOrWhiteSpace(options.StatusUrl))
        {
            failures.Add($"{ManifestSourceOptions.StatusUrlKey}: must be an http(s) URL or a file path");
        }
        else if (Uri.TryCreate(options.StatusUrl, UriKind.Absolute, out var uri)
            && uri.Scheme is not ("http" or "https" or "file") && !Path.IsPathRooted(options.StatusUrl))
        {
            failures.Add($"{ManifestSourceOptions.StatusUrlKey}: scheme '{uri.Scheme}' is not supported; use http(s), file:// or a path");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
