namespace BrokerGateway.Contracts.Manifest;

/// <summary>
/// One validated entry of the status manifest: the seed's six fields, keyed by the entry's name,
/// the optional <c>weight</c> of weighted load balancing (default 1), the optional
/// <c>allowed_groups</c> that may use it (null: everyone the gateway admits), and the optional
/// <c>stream_usage</c> (default true): false for an upstream that refuses
/// <c>stream_options</c>, whose streams the gateway then counts by estimate; and the optional
/// <c>max_concurrency</c>: the most calls to this upstream that one dispatcher process makes at
/// once (below its own <c>DISPATCHER_CONCURRENCY</c>), for an upstream that must be protected,
/// such as a self-hosted vLLM server. It holds per dispatcher process: with two dispatchers serving
/// the endpoint, twice as many calls may run. Requests beyond it wait on the queue. The optional
/// <c>api</c> (default openai) names the upstream's dialect, <c>api_version</c> the version it is
/// asked for (Azure's <c>api-version</c>, Anthropic's <c>anthropic-version</c>), <c>headers</c>
/// extra, non-secret headers sent with every call, and <c>responses</c> how the Responses API is
/// served (null: the dialect's default).
/// </summary>
public sealed record ManifestEntry(
    string Name,
    EndpointStatus Status,
    string Model,
    string Description,
    IReadOnlyList<string> Experts,
    string Url,
    string EndpointId,
    double Weight = 1,
    IReadOnlyList<string>? AllowedGroups = null,
    bool StreamUsage = true,
    int? MaxConcurrency = null,
    UpstreamApi Api = UpstreamApi.OpenAi,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    ResponsesMode? Responses = null)
{
    /// <summary>The scheme of the built-in mock provider's URL (<c>mock://echo</c>).</summary>
    public const string MockScheme = "mock";

    /// <summary>True when the entry names the built-in mock provider, which needs no key and no network.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsMock => Url.StartsWith(MockScheme + "://", StringComparison.OrdinalIgnoreCase);

    public bool Serves(string model) => Experts.Contains(model, StringComparer.Ordinal);

    /// <summary>How the Responses API is served: as the entry says, else natively unless the dialect has no <c>/responses</c> (Anthropic).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ResponsesMode ResponsesServedBy => Responses ?? (Api == UpstreamApi.Anthropic ? ResponsesMode.Translate : ResponsesMode.Native);

    public bool Equals(ManifestEntry? other) =>
        other is not null
        && Name == other.Name
        && Status == other.Status
        && Model == other.Model
        && Description == other.Description
        && Url == other.Url
        && EndpointId == other.EndpointId
        && Weight.Equals(other.Weight)
        && StreamUsage == other.StreamUsage
        && MaxConcurrency == other.MaxConcurrency
        && Api == other.Api
        && ApiVersion == other.ApiVersion
        && Responses == other.Responses
        && SameHeaders(Headers, other.Headers)
        && (AllowedGroups ?? []).SequenceEqual(other.AllowedGroups ?? [], StringComparer.Ordinal)
        && Experts.SequenceEqual(other.Experts, StringComparer.Ordinal);

    private static bool SameHeaders(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0)
        && (a ?? new Dictionary<string, string>()).All(h => b!.TryGetValue(h.Key, out var value) && value == h.Value);

    public override int GetHashCode() => HashCode.Combine(Name, Status, Url, EndpointId, Experts.Count);
}
