namespace BrokerGateway.FakeUpstream;

/// <summary>
/// How the fake upstream answers. A request can override it with a <c>"fake"</c> object in its
/// JSON body — <c>{"status": 500, "delay_ms": 200, "body": "..."}</c> — which the gateway passes
/// through unchanged like any unknown field.
/// </summary>
public sealed record FakeBehavior(int Status = 200, TimeSpan Delay = default, string? Body = null)
{
    /// <summary>When set, the connection is dropped before any response byte is sent.</summary>
    public bool Abort { get; init; }

    /// <summary>When set, every n-th request (the 1st, the n+1-th, …) answers 500 instead.</summary>
    public int? FailEvery { get; init; }

    /// <summary>When set, the answer carries <c>Retry-After</c> with this many seconds.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>When set, how this server streams, whatever the request's <c>"fake"</c> object says.</summary>
    public FakeStream? Stream { get; init; }
}
