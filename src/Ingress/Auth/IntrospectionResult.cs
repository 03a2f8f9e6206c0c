namespace BrokerGateway.Ingress.Auth;

/// <summary>What the introspection server said of a token.</summary>
public sealed record IntrospectionResult(bool Active, string? Subject, IReadOnlyList<string> Groups, DateTimeOffset? Expires);
