using System.Security.Claims;

namespace BrokerGateway.Ingress.Auth;

/// <summary>Who is calling, whichever way their token was validated: their id and their groups.</summary>
internal sealed record CallerIdentity(string Subject, IReadOnlyList<string> Groups, string Method)
{
    /// <summary>The claim that records how the caller was authenticated.</summary>
    public const string MethodClaim = "brokergateway:auth_method";

    public static CallerIdentity From(ClaimsPrincipal user, string groupsClaim) => new(
        user.FindFirst("sub")?.Value ?? string.Empty,
        user.FindAll(groupsClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray(),
        user.FindFirst(MethodClaim)?.Value ?? "jwt");

    /// <summary>Whether the caller is in at least one of <paramref name="groups"/>; an empty or missing list allows everyone.</summary>
    public bool InAnyOf(IReadOnlyCollection<string>? groups) =>
        groups is null || groups.Count == 0 || Groups.Any(groups.Contains);
}
