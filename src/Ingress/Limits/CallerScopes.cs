using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// Which of a set of per-user / per-group settings apply to a caller: their own (from
/// <c>Users</c>, else <c>Default</c>) and one for each of their groups listed in <c>Groups</c>.
/// Rate limits and budgets share this rule.
/// </summary>
internal static class CallerScopes
{
    public sealed record Scope<T>(string Key, string Description, T Setting);

    /// <summary>The key of a user's counters and totals.</summary>
    public static string UserKey(string subject) => $"u:{subject}";

    /// <summary>The key of a group's counters and totals.</summary>
    public static string GroupKey(string group) => $"g:{group}";

    public static List<Scope<T>> For<T>(CallerIdentity caller, T fallback, IReadOnlyDictionary<string, T> users, IReadOnlyDictionary<string, T> groups, Func<T, bool> isSet)
    {
        var scopes = new List<Scope<T>>();
        var own = users.TryGetValue(caller.Subject, out var setting) ? setting : fallback;
        if (isSet(own))
        {
            scopes.Add(new Scope<T>(UserKey(caller.Subject), $"user '{caller.Subject}'", own));
        }

        foreach (var group in caller.Groups)
        {
            if (groups.TryGetValue(group, out var shared) && isSet(shared))
            {
                scopes.Add(new Scope<T>(GroupKey(group), $"group '{group}'", shared));
            }
        }

        return scopes;
    }
}
