namespace BrokerGateway.Ingress.Auth;

/// <summary>
/// What the introspection server said of a token. <see cref="Refusal"/> says why an answer the
/// server called active is still refused (no subject, meant for another audience); such a token is
/// not <see cref="Active"/>.
/// </summary>
internal sealed record IntrospectionResult(bool Active, string? Subject, IReadOnlyList<string> Groups, DateTimeOffset? Expires, string? Refusal = null);
