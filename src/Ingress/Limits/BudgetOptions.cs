namespace BrokerGateway.Ingress.Limits;

/// <summary>Tokens per UTC day and per UTC month; 0 means no budget.</summary>
internal sealed class Budget
{
    public long TokensPerDay { get; set; }

    public long TokensPerMonth { get; set; }

    public bool IsSet => TokensPerDay > 0 || TokensPerMonth > 0;
}

/// <summary>
/// Token budgets (section <c>Budgets</c>): <see cref="Default"/> for every user, overridden per user
/// in <see cref="Users"/>; <see cref="Groups"/> budget a whole group together.
/// </summary>
internal sealed class BudgetOptions
{
    public const string Section = "Budgets";

    public Budget Default { get; set; } = new();

    public Dictionary<string, Budget> Users { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, Budget> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a computed total is reused before the usage records are asked again.</summary>
    public int CacheSeconds { get; set; } = 5;
}
