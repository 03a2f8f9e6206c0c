using BrokerGateway.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// A dispatcher's configuration, bound by the framework from the seed's flat environment names
/// (<c>[ConfigurationKeyName]</c>); <see cref="ApiTokens"/> is read by <see cref="DispatcherOptionsSetup"/>.
/// <see cref="ApiTokens"/> holds secrets: never log this object.
/// </summary>
internal sealed class DispatcherOptions : IReportsUnconvertible
{
    public const string ApiTokensKey = "METIS_API_TOKENS";
    public const string EndpointsKey = "DISPATCHER_ENDPOINTS";
    public const string ConcurrencyKey = "DISPATCHER_CONCURRENCY";
    public const string BatchConcurrencyKey = "DISPATCHER_BATCH_CONCURRENCY";
    public const string ConnectTimeoutKey = "DISPATCHER_CONNECT_TIMEOUT_SECONDS";
    public const string HeartbeatKey = "DISPATCHER_HEARTBEAT_SECONDS";
    public const string BreakerFailureRatioKey = "DISPATCHER_BREAKER_FAILURE_RATIO";
    public const string BreakerMinimumCallsKey = "DISPATCHER_BREAKER_MINIMUM_CALLS";
    public const string BreakerSamplingKey = "DISPATCHER_BREAKER_SAMPLING_SECONDS";
    public const string BreakerBreakKey = "DISPATCHER_BREAKER_BREAK_SECONDS";
    public const string DrainKey = "DISPATCHER_DRAIN_SECONDS";
    public const string AnthropicMaxTokensKey = "DISPATCHER_ANTHROPIC_MAX_TOKENS";

    /// <summary>endpoint_id → upstream API key, from <c>METIS_API_TOKENS</c>.</summary>
    public IReadOnlyDictionary<string, string> ApiTokens { get; set; } = new Dictionary<string, string>();

    /// <summary>Why <c>METIS_API_TOKENS</c> could not be read, if it could not (never the value itself).</summary>
    public string? ApiTokensError { get; set; }

    /// <summary><c>DISPATCHER_ENDPOINTS</c> as written: endpoint_ids separated by commas or spaces.</summary>
    [ConfigurationKeyName(EndpointsKey)]
    public string EndpointList
    {
        get => string.Join(",", Endpoints);
        set => Endpoints = value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The endpoint_ids this dispatcher may serve; empty means every endpoint it holds a key for.</summary>
    public IReadOnlyList<string> Endpoints { get; private set; } = [];

    public ISet<string> Unconvertible { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Requests handled at once per endpoint queue (and the broker prefetch). Upstream calls wait on
    /// the network, so thousands at once cost little; an upstream that must be protected gets a
    /// lower <c>max_concurrency</c> in its manifest entry. Standalone the default is
    /// <see cref="InMemoryConcurrency"/>: MassTransit's in-memory transport wakes every idle slot
    /// for each message, so its cost per request grows with the limit.
    /// </summary>
    [ConfigurationKeyName(ConcurrencyKey)]
    public int Concurrency { get; set; } = 2048;

    /// <summary>The default of <see cref="Concurrency"/> on the in-memory bus (standalone).</summary>
    public const int InMemoryConcurrency = 512;

    /// <summary>Batch lines handled at once per endpoint (and the prefetch of its batch queue): batch work's smaller share.</summary>
    [ConfigurationKeyName(BatchConcurrencyKey)]
    public int BatchConcurrency { get; set; } = 8;

    [ConfigurationKeyName(ConnectTimeoutKey)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    [ConfigurationKeyName(HeartbeatKey)]
    public int HeartbeatSeconds { get; set; } = 10;

    /// <summary>The share of failed calls (unreachable or 5xx) within the sampling time that opens an endpoint's circuit.</summary>
    [ConfigurationKeyName(BreakerFailureRatioKey)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls within the sampling time below which the circuit never opens.</summary>
    [ConfigurationKeyName(BreakerMinimumCallsKey)]
    public int BreakerMinimumCalls { get; set; } = 10;

    [ConfigurationKeyName(BreakerSamplingKey)]
    public int BreakerSamplingSeconds { get; set; } = 30;

    /// <summary>How long an open circuit fails attempts at once, before one call is let through to try the upstream again.</summary>
    [ConfigurationKeyName(BreakerBreakKey)]
    public int BreakerBreakSeconds { get; set; } = 15;

    /// <summary>At a graceful stop, how long the calls in flight may take to finish before they are aborted (and tried elsewhere).</summary>
    [ConfigurationKeyName(DrainKey)]
    public int DrainSeconds { get; set; } = 30;

    /// <summary>The <c>max_tokens</c> sent to an Anthropic upstream (which requires it) for a request that sets none.</summary>
    [ConfigurationKeyName(AnthropicMaxTokensKey)]
    public int AnthropicMaxTokens { get; set; } = 4096;

    public override string ToString() => $"DispatcherOptions({ApiTokens.Count} keys, endpoints [{string.Join(",", Endpoints)}])";
}
