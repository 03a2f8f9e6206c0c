namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// <c>Auth:AdminGroups</c>: the groups (space-separated, or an array in appsettings) whose members
/// administer the gateway — they see everyone's usage and the dashboard. None by default: then nobody does.
/// </summary>
internal sealed class AdminGroups(IConfiguration configuration)
{
    public const string Key = "Auth:AdminGroups";

    private readonly HashSet<string> _names = Read(configuration);

    public bool Includes(CallerIdentity caller) => caller.Groups.Any(_names.Contains);

    private static HashSet<string> Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Key);
        var names = section.GetChildren().Any()
            ? section.GetChildren().Select(c => c.Value ?? string.Empty)
            : (section.Value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return names.Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
    }
}
