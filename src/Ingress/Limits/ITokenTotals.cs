namespace BrokerGateway.Ingress.Limits;

/// <summary>What budgets ask of the usage records: the tokens one scope has used.</summary>
internal interface ITokenTotals
{
    /// <summary>Total tokens recorded from the UTC day <paramref name="from"/> on, for one user or one group (<see cref="CallerScopes.UserKey"/>, <see cref="CallerScopes.GroupKey"/>).</summary>
    Task<long> TokensSinceAsync(string scope, DateOnly from, CancellationToken cancellationToken);
}
