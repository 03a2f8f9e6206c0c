namespace BrokerGateway.Ingress.Auth;

/// <summary>Who may use the gateway at all: <c>GLOBUS_GROUPS</c>, space-separated, as in the seed.</summary>
internal sealed class AccessOptions
{
    public const string GroupsKey = "GLOBUS_GROUPS";

    /// <summary>When not empty, a caller in none of these groups gets 403.</summary>
    public IReadOnlyList<string> AllowedGroups { get; set; } = [];
}
