using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OptionsFactory = Microsoft.Extensions.Options.Options;

namespace BrokerGateway.Tests.Ingress.Pipeline;

/// <summary>
/// A <see cref="RequestPipeline"/> with its real admission (budgets over fixed totals, rate limits
/// in memory) and usage recorder, a fake clock, and a scripted selector and router: each test says
/// what routing answers and reads what the caller would get and what was recorded.
/// </summary>
internal sealed class PipelineFixture
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 10, 0, 30, TimeSpan.Zero));

    public BudgetOptions Budgets { get; } = new() { CacheSeconds = 0 };

    public RateLimitOptions RateLimits { get; } = new();

    /// <summary>Tokens already used by a scope (<c>user:…</c>, <c>group:…</c>), as the usage records would say.</summary>
    public Dictionary<string, long> Used { get; } = new(StringComparer.Ordinal);

    public ScriptedRouter Router { get; } = new();

    public ScriptedSelector Selector { get; } = new();

    public UsageRecorder Usage { get; } = new(OptionsFactory.Create(new UsageOptions()), NullLogger<UsageRecorder>.Instance);

    public GatewayRateLimiter Limiter { get; private set; } = null!;

    public MemoryResponses Responses { get; } = new();

    /// <summary>Fair share's settings; its state (a ledger in memory) is made only if <see cref="FairShareOn"/>.</summary>
    public FairShareOptions FairShare { get; } = new();

    public bool FairShareOn { get; set; }

    public FairShareState? FairShareState { get; private set; }

    private RequestPipeline? _pipeline;

    /// <summary>The pipeline, made with the options as they are at the first call; later calls return the same one (its counters kept).</summary>
    public RequestPipeline Build()
    {
        if (_pipeline is not null)
        {
            return _pipeline;
        }

        var budgets = new BudgetGuard(new FixedTotals(Used), new MemoryCache(new MemoryCacheOptions()), OptionsFactory.Create(Budgets), Time, NullLogger<BudgetGuard>.Instance);
        Limiter = new GatewayRateLimiter(new MemoryRateCounter(Time), OptionsFactory.Create(RateLimits), Time, NullLogger<GatewayRateLimiter>.Instance);
        var meters = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var telemetry = new RequestTelemetry(new BrokerGateway.Hosting.Telemetry.GatewayMetrics(meters), OptionsFactory.Create(new RequestTelemetryOptions()), NullLogger<RequestTelemetry>.Instance);
        var fairShare = OptionsFactory.Create(FairShare);
        FairShareState = FairShareOn ? new FairShareState(new MemoryFairShareLedger(fairShare), fairShare, Time, NullLogger<FairShareState>.Instance) : null;
        return _pipeline = new RequestPipeline(
            budgets, Limiter, Selector, Router, Usage, Responses, telemetry, new AccountSelector(fairShare), Time, NullLogger<RequestPipeline>.Instance, FairShareState);
    }

    /// <summary>A chat request of <paramref name="bodyBytes"/> bytes (the rate limiter estimates a token for every four).</summary>
    public GatewayRequest Request(string user = "ada", RequestPolicy? policy = null, int bodyBytes = 400, bool stream = false) =>
        new(Guid.NewGuid(), new CallerIdentity(user, ["lab"], "jwt"), "gpt-test", UpstreamRoute.ChatCompletions, new string('x', bodyBytes), bodyBytes,
            TimeSpan.FromSeconds(30), policy ?? RequestPolicy.Interactive, Time.GetTimestamp())
        {
            StreamIdleTimeout = stream ? TimeSpan.FromSeconds(10) : null,
        };

    /// <summary>The usage rows recorded so far.</summary>
    public List<UsageRecord> Rows()
    {
        var rows = new List<UsageRecord>();
        while (Usage.Reader.TryRead(out var row))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static CompletionResult Answered(GatewayRequest request, int status, string body, int? retryAfterSeconds = null) =>
        new(request.RequestId, 1, "endpoint-a", CompletionOutcome.Answered, status, body, null, retryAfterSeconds, UpstreamMilliseconds: 12.5);

    public static string WithUsage(int prompt, int completion) =>
        $$$"""{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":{{{prompt}}},"completion_tokens":{{{completion}}},"total_tokens":{{{prompt + completion}}}}}""";

    private sealed class FixedTotals(Dictionary<string, long> used) : ITokenTotals
    {
        public Task<long> TokensSinceAsync(string scope, DateOnly from, CancellationToken cancellationToken) =>
            Task.FromResult(used.GetValueOrDefault(scope));
    }
}

/// <summary>Routing as a test scripts it: the answer for each request, and what it was asked.</summary>
internal sealed class ScriptedRouter : ICompletionRouter
{
    public Func<RouteRequest, CancellationToken, Task<RoutedAnswer>> Answer { get; set; } =
        (_, _) => throw new InvalidOperationException("The test did not expect the request to be routed.");

    public List<RouteRequest> Routed { get; } = [];

    public Task<RoutedAnswer> RouteAsync(RouteRequest request, IReadOnlyList<ManifestEntry> candidates, CancellationToken cancellationToken)
    {
        Routed.Add(request);
        return Answer(request, cancellationToken);
    }

    /// <summary>A stream that has begun: its buffer holds <paramref name="events"/> already written to the caller; disposing it is counted.</summary>
    public static (RoutedAnswer Answer, Func<int> Ended) Begun(RouteRequest request, int events)
    {
        var attempt = new PendingAttempt(request.RequestId, 1, "endpoint-a", false, TimeProvider.System, new StreamBuffer(1 << 20));
        attempt.Stream!.Written(Enumerable.Range(0, events).Select(i => $"event {i}").ToArray());
        var ended = 0;
        var stream = new RoutedStream(attempt, _ =>
        {
            ended++;
            return Task.CompletedTask;
        });
        return (new RoutedAnswer(null, null, "endpoint-a", 1) { Stream = stream }, () => ended);
    }
}

/// <summary>Endpoint choice as a test scripts it.</summary>
internal sealed class ScriptedSelector : IEndpointSelector
{
    public RouteDecision Decision { get; set; } = RouteDecision.To([]);

    public int Asked { get; private set; }

    /// <summary>The endpoint a follow-up of a stored response was sent to, and for which model.</summary>
    public (string EndpointId, string Model)? Holder { get; private set; }

    public RouteDecision Select(string model, CallerIdentity caller)
    {
        Asked++;
        return Decision;
    }

    public bool StoresResponses(string model) => true;

    public RouteDecision SelectHolder(string model, CallerIdentity caller, string endpointId, string responseId)
    {
        Asked++;
        Holder = (endpointId, model);
        return Decision;
    }
}

/// <summary>Where stored responses are held, in memory: what the pipeline remembered, by caller and id.</summary>
internal sealed class MemoryResponses : IResponseMemory
{
    public Dictionary<(string Owner, string Id), ResponseOrigin> Held { get; } = [];

    public Task<ResponseOrigin?> FindAsync(string owner, string responseId, CancellationToken cancellationToken) =>
        Task.FromResult(Held.GetValueOrDefault((owner, responseId)));

    public Task RememberAsync(string owner, string model, string endpointId, string answer, CancellationToken cancellationToken)
    {
        if (BrokerGateway.Ingress.Responses.SqlResponseMemory.StoredId(answer) is { } id)
        {
            Held[(owner, id)] = new ResponseOrigin(endpointId, model);
        }

        return Task.CompletedTask;
    }

    public Task ForgetAsync(string owner, string responseId, CancellationToken cancellationToken)
    {
        Held.Remove((owner, responseId));
        return Task.CompletedTask;
    }
}

/// <summary>A sink that keeps what it was given, answering with the status a JSON caller would get.</summary>
internal sealed class RecordingSink : IRequestSink
{
    public List<string> Events { get; } = [];

    public RateLease? Lease { get; private set; }

    public Func<RoutedStream, CancellationToken, Task<StreamOutcome>> Relay { get; set; } =
        (_, _) => throw new InvalidOperationException("The test did not expect a stream.");

    public void RateLimited(RateLease lease)
    {
        Lease = lease;
        Events.Add(lease.Error is null ? "admitted" : "rate-limited");
    }

    public ValueTask<int?> RefuseAsync(RequestStep step, ApiError error, RoutedAnswer? routed)
    {
        Events.Add($"refused at {step}: {error.Code}");
        return ValueTask.FromResult<int?>(error.Status);
    }

    public Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken)
    {
        Events.Add("routing");
        return routing;
    }

    public ValueTask<int?> AnswerAsync(RoutedAnswer routed, CompletionResult result)
    {
        Events.Add($"answered {result.StatusCode}");
        return ValueTask.FromResult<int?>(result.StatusCode);
    }

    public async Task<StreamOutcome> RelayAsync(RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone)
    {
        Events.Add("relaying");
        await using (stream)
        {
            return await Relay(stream, callerGone);
        }
    }
}
