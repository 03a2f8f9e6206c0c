namespace BrokerGateway.FakeUpstream;

/// <summary>What a provider-protocol fake saw of one request: path and query, every header, the body.</summary>
public sealed record ProviderRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Method { get; init; } = "POST";

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}
