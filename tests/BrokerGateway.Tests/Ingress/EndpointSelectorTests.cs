using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BrokerGateway.Tests.Ingress;

public class EndpointSelectorTests
{
    private static readonly CallerIdentity Caller = new("alice", ["g1"], "jwt");

    private readonly FakeTimeProvider _time = new();
    private readonly ManifestStore _manifest = new();
    private readonly DispatcherRegistry _dispatchers;
    private readonly EndpointHealth _health;
    private readonly OutstandingRequests _outstanding = new();
    private readonly RoutingOptions _options = new();
    private readonly EndpointQueues _queues;
    private readonly BusStarted _busStarted;

    public EndpointSelectorTests()
    {
        // An ingress whose bus started long enough ago to have heard every dispatcher's announcement.
        _busStarted = new BusStarted(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), _time);
        _busStarted.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _time.Advance(DispatcherRegistry.DiscoveryGrace);
        _dispatchers = new DispatcherRegistry(_time, _busStarted, OverRabbitMq);
        _health = new EndpointHealth(_time, Options.Create(_options));
        _queues = new EndpointQueues(_time, Options.Create(_options));
    }

    private static readonly IOptions<BusOptions> OverRabbitMq = Options.Create(new BusOptions { RabbitMqUrl = "amqp://guest:guest@localhost:5672/" });

    private EndpointSelector Selector() => new(_manifest, _dispatchers, _queues, _health, _outstanding, _time, Options.Create(_options));

    private static ManifestEntry Entry(string id, EndpointStatus status, string[] experts, double weight = 1) =>
        new(id, status, "M", "D", experts, "http://h/v1", id, weight);

    private void Serve(params string[] ids) =>
        _dispatchers.Record(new DispatcherHeartbeat("d1", ids, _time.GetUtcNow(), TimeSpan.FromSeconds(30)));

    private Dictionary<string, int> FirstPicks(int requests)
    {
        var selector = Selector();
        return Enumerable.Range(0, requests)
            .Select(_ => selector.Select("m", Caller).Candidates[0].EndpointId)
            .GroupBy(id => id)
            .ToDictionary(g => g.Key, g => g.Count());
    }

    [Fact]
    public void Select_NoManifestYet_Is503ManifestUnavailable()
    {
        var error = Selector().Select("m", Caller).Error!;

        Assert.Equal(503, error.Status);
        Assert.Equal("manifest_unavailable", error.Code);
    }

    [Fact]
    public void Select_UnknownModel_Is404NamingTheAvailableModels()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m1", "m2"]), Entry("b", EndpointStatus.Offline, ["hidden"])]));

        var error = Selector().Select("nope", Caller).Error!;

        Assert.Equal(404, error.Status);
        Assert.Equal("model_not_found", error.Code);
        Assert.Contains("m1, m2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_EveryEntryInMaintenance_Is503WithRetryAfter()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Maintenance, ["m"]), Entry("b", EndpointStatus.Maintenance, ["m"])]));

        var error = Selector().Select("m", Caller).Error!;

        Assert.Equal((503, "model_under_maintenance"), (error.Status, error.Code));
        Assert.NotNull(error.RetryAfterSeconds);
    }

    [Fact]
    public void Select_EveryEntryOffline_Is503ModelOffline()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Offline, ["m"])]));

        Assert.Equal("model_offline", Selector().Select("m", Caller).Error!.Code);
    }

    [Fact]
    public void Select_OfflineAndMaintenanceEntries_AreNeverCandidates()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Offline, ["m"]), Entry("b", EndpointStatus.Maintenance, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");

        Assert.Equal(["c"], Selector().Select("m", Caller).Candidates.Select(e => e.EndpointId));
    }

    [Fact]
    public void Select_LiveButNoDispatcher_Is503NoDispatcher()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));

        var error = Selector().Select("m", Caller).Error!;

        Assert.Equal("no_dispatcher", error.Code);
        Assert.Contains("(a)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Select_OverRabbitMqRightAfterTheBusStarted_AnUnannouncedQueueCountsAsServedUntilTheDiscoveryGraceEnds_StandaloneNot()
    {
        var busStarted = new BusStarted(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), _time);
        var selector = new EndpointSelector(_manifest, new DispatcherRegistry(_time, busStarted, OverRabbitMq), _queues, _health, _outstanding, _time, Options.Create(_options));
        var standalone = new EndpointSelector(_manifest, new DispatcherRegistry(_time, busStarted, Options.Create(new BusOptions())), _queues, _health, _outstanding, _time, Options.Create(_options));
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));
        Assert.Null(selector.Select("m", Caller).Error);
        Assert.Equal("no_dispatcher", standalone.Select("m", Caller).Error!.Code);
        await busStarted.StartAsync(CancellationToken.None);

        _time.Advance(DispatcherRegistry.DiscoveryGrace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["a"], selector.Select("m", Caller).Candidates.Select(e => e.EndpointId));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("no_dispatcher", selector.Select("m", Caller).Error!.Code);
    }

    [Fact]
    public async Task Select_OverRabbitMqRightAfterTheBusStarted_OnceADispatcherIsHeard_SilenceIsAbsenceAgain()
    {
        var busStarted = new BusStarted(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), _time);
        await busStarted.StartAsync(CancellationToken.None);
        var registry = new DispatcherRegistry(_time, busStarted, OverRabbitMq);
        var selector = new EndpointSelector(_manifest, registry, _queues, _health, _outstanding, _time, Options.Create(_options));
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));
        Assert.Null(selector.Select("m", Caller).Error);

        // A dispatcher that drains announces no queue: the ingress has heard, and nobody serves "a".
        registry.Record(new DispatcherHeartbeat("d1", [], _time.GetUtcNow(), TimeSpan.FromSeconds(30)));

        Assert.Equal("no_dispatcher", selector.Select("m", Caller).Error!.Code);
    }

    [Fact]
    public async Task Select_RightAfterTheBusStarted_TheBrokersCountOfNoConsumerStillTurnsARequestAway()
    {
        var busStarted = new BusStarted(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), _time);
        await busStarted.StartAsync(CancellationToken.None);
        var selector = new EndpointSelector(_manifest, new DispatcherRegistry(_time, busStarted, OverRabbitMq), _queues, _health, _outstanding, _time, Options.Create(_options));
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));

        Unconsumed("a");

        Assert.Equal("no_dispatcher", selector.Select("m", Caller).Error!.Code);
    }

    [Fact]
    public void Select_DispatcherHeartbeatExpired_IsNoLongerServed()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));
        Serve("a");
        Assert.Null(Selector().Select("m", Caller).Error);

        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("no_dispatcher", Selector().Select("m", Caller).Error!.Code);
    }

    [Fact]
    public void Select_DispatcherStopped_IsNoLongerServed()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));
        Serve("a");

        _dispatchers.Remove("d1");

        Assert.Equal("no_dispatcher", Selector().Select("m", Caller).Error!.Code);
    }

    [Fact]
    public void Select_TheBrokerSaysNobodyConsumesTheQueue_GoesLastAtOnce_AndOutOnceItIsSure()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"])]));
        Serve("a", "b");
        _queues.Record("b", depth: 0, consumers: 1);

        // No consumer on "a" at one reading: its dispatchers may be reconnecting; it goes after "b".
        _queues.Record("a", depth: 0, consumers: 0);
        var selector = Selector();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(["b", "a"], selector.Select("m", Caller).Candidates.Select(e => e.EndpointId));
        }

        // Three readings in a row: its dispatcher died (its heartbeat still valid): it is out.
        Unconsumed("a");
        Assert.Equal(["b"], Selector().Select("m", Caller).Candidates.Select(e => e.EndpointId));
        Unconsumed("b");
        Assert.Equal("no_dispatcher", Selector().Select("m", Caller).Error!.Code);
    }

    /// <summary>The broker finds no consumer on the endpoint's queue at enough readings in a row to be sure.</summary>
    private void Unconsumed(string endpointId)
    {
        for (var i = 0; i < 3; i++)
        {
            _queues.Record(endpointId, depth: 0, consumers: 0);
        }
    }

    [Fact]
    public void Select_AReadingOfTheQueueThatIsTooOld_IsForgotten()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"])]));
        Serve("a");
        Unconsumed("a");
        Assert.Equal("no_dispatcher", Selector().Select("m", Caller).Error!.Code);

        _time.Advance(TimeSpan.FromMilliseconds(3 * _options.QueueCheckMilliseconds + 1));

        Assert.Null(Selector().Select("m", Caller).Error);
    }

    [Fact]
    public void Select_AnEndpointWithABacklog_GoesAfterThoseWithout()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");
        _queues.Record("a", depth: 40, consumers: 1);
        _queues.Record("b", depth: 0, consumers: 1);
        _queues.Record("c", depth: 0, consumers: 2);

        var selector = Selector();
        var orders = Enumerable.Range(0, 6).Select(_ => selector.Select("m", Caller).Candidates.Select(e => e.EndpointId).ToArray()).ToList();

        Assert.All(orders, order => Assert.Equal("a", order[^1]));
        Assert.Contains(orders, order => order[0] == "b");
        Assert.Contains(orders, order => order[0] == "c");
    }

    [Fact]
    public void Select_EveryCandidateCoolingDown_Is503WithTheEarliestRecovery()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"])]));
        Serve("a", "b");
        _health.RecordFailure("a", "http_429", retryAfterSeconds: 20);
        _health.RecordFailure("b", "http_429", retryAfterSeconds: 90);

        var error = Selector().Select("m", Caller).Error!;

        Assert.Equal((503, "no_healthy_endpoint"), (error.Status, error.Code));
        Assert.Equal(20, error.RetryAfterSeconds);
    }

    [Fact]
    public void Select_EveryOtherCandidate_FollowsTheFirstAsTheFailoverOrder()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");

        var candidates = Selector().Select("m", Caller).Candidates.Select(e => e.EndpointId).ToArray();

        Assert.Equal(["a", "b", "c"], candidates.Order());
    }

    [Fact]
    public void RoundRobin_1000RequestsOver3EqualEndpoints_EachGets33PercentWithin5()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");

        var picks = FirstPicks(1000);

        Assert.All(["a", "b", "c"], id => Assert.InRange(picks[id], 280, 380));
    }

    [Fact]
    public void Weighted_WeightsOneOneTwo_SplitsAQuarterAQuarterAndAHalf()
    {
        _options.Strategy = BalancingStrategy.Weighted;
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"], weight: 2)]));
        Serve("a", "b", "c");

        var picks = FirstPicks(4000);

        Assert.InRange(picks["a"], 800, 1200);
        Assert.InRange(picks["b"], 800, 1200);
        Assert.InRange(picks["c"], 1800, 2200);
    }

    [Fact]
    public void LeastOutstanding_PrefersTheEndpointWithFewestInFlight()
    {
        _options.Strategy = BalancingStrategy.LeastOutstanding;
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");
        _outstanding.Increment("a");
        _outstanding.Increment("a");
        _outstanding.Increment("c");

        Assert.Equal(["b", "c", "a"], Selector().Select("m", Caller).Candidates.Select(e => e.EndpointId));
    }

    [Fact]
    public void LeastOutstanding_EqualLoad_SpreadsEvenly()
    {
        _options.Strategy = BalancingStrategy.LeastOutstanding;
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]), Entry("b", EndpointStatus.Live, ["m"]), Entry("c", EndpointStatus.Live, ["m"])]));
        Serve("a", "b", "c");

        var picks = FirstPicks(999);

        Assert.All(["a", "b", "c"], id => Assert.Equal(333, picks[id]));
    }

    [Fact]
    public void Select_EveryEntryForOtherGroups_Is403ModelAccessDenied()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["m"]) with { AllowedGroups = ["physics"] }]));
        Serve("a");

        var error = Selector().Select("m", Caller).Error!;

        Assert.Equal((403, "model_access_denied"), (error.Status, error.Code));
    }

    [Fact]
    public void Select_SomeEntriesForOtherGroups_RoutesOnlyToTheCallersOnes()
    {
        _manifest.Apply(new StatusManifest(
        [
            Entry("a", EndpointStatus.Live, ["m"]) with { AllowedGroups = ["physics"] },
            Entry("b", EndpointStatus.Live, ["m"]) with { AllowedGroups = ["g1", "chemistry"] },
            Entry("c", EndpointStatus.Live, ["m"]),
        ]));
        Serve("a", "b", "c");

        Assert.Equal(["b", "c"], Selector().Select("m", Caller).Candidates.Select(e => e.EndpointId).Order());
    }

    [Fact]
    public void Select_UnknownModel_ListsOnlyModelsTheCallerMayUse()
    {
        _manifest.Apply(new StatusManifest([Entry("a", EndpointStatus.Live, ["secret-model"]) with { AllowedGroups = ["physics"] }, Entry("b", EndpointStatus.Live, ["open-model"])]));

        var error = Selector().Select("nope", Caller).Error!;

        Assert.Contains("open-model", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-model", error.Message, StringComparison.Ordinal);
    }
}
