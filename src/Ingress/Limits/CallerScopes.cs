using BrokerGateway.Ingress.Auth;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// Which of a set of per-user / per-group settings apply to a caller: their own (from
/// <c>Users</c>, else <c>Default</c>) and one for each of their groups listed in <c>Groups</c>.
/// Rate limits and budgets share this rule.
/// </summary>
public static class CallerScopes
{
    public sealed record Scope<T>(string? User, string? Group, string Key, string Description, T Setting);

    public static List<Scope<T>> For<T>(CallerIdentity caller, T fallback, IReadOnlyDictionary<string, T> users, IReadOnlyDictionary<string, T> groups, Func<T, bool> isSet)
    {
        var scopes = new List<Scope<T>>();
        var own = users.TryGetValue(caller.Subject, out var setting) ? setting : fallback;
        if (isSet(own))
        {
            scopes.Add(new Scope<T>(caller.Subject, null, $"u:{caller.Subject}", $"user '{caller.Subject}'", own));
        }

        foreach (var group in caller.Groups)
        {
            if (groups.TryGetValue(group, out var shared) && isSet(shared))
            {
                scopes.Add(new Scope<T>(null, group, $"g:{group}", $"group '{group}'", shared));
            }
        }

        return scopes;
    }
}
