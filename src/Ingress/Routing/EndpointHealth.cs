using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Which endpoints are in rotation. One incident — <c>Routing:FailuresBeforeCooldown</c> consecutive
/// retryable failures, or one 429/503 with <c>Retry-After</c> — takes an endpoint out for one
/// cooldown of <c>Routing:CooldownSeconds</c>, however many more failures of attempts already in
/// flight arrive during it. When it ends, one request per ingress replica probes the endpoint
/// (half-open): its success puts the endpoint back, its failure starts a cooldown twice as long as
/// the last, up to <c>Routing:MaxCooldownSeconds</c>. Only the probe's own outcome doubles it.
/// Changes are returned as <see cref="EndpointHealthChanged"/> for the caller to publish, and the
/// same events from other ingress replicas are applied here, so every replica routes alike.
/// </summary>
internal sealed class EndpointHealth(TimeProvider time, IOptions<RoutingOptions> options)
{
    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    /// <summary>This ingress's id in the events it reports, so it can skip its own.</summary>
    public string ReporterId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Whether a request may go to the endpoint now (without claiming a half-open probe).</summary>
    public bool IsAvailable(string endpointId)
    {
        if (!_states.TryGetValue(endpointId, out var state))
        {
            return true;
        }

        lock (state)
        {
            return state.CoolingUntil is not { } until || (until <= time.GetUtcNow() && !ProbeRunning(state));
        }
    }

    /// <summary>Whether the endpoint is in full health: not cooling down and not on probation after a cooldown.</summary>
    public bool IsHealthy(string endpointId)
    {
        if (!_states.TryGetValue(endpointId, out var state))
        {
            return true;
        }

        lock (state)
        {
            return state.CoolingUntil is null;
        }
    }

    /// <summary>
    /// Claims the endpoint for one attempt. A cooled-down endpoint whose cooldown has ended admits
    /// exactly one attempt, the probe (<paramref name="probe"/> is then true), until that attempt
    /// is recorded or released — or, should it never be, until <paramref name="probeUntil"/> (the
    /// probe's own deadline: it may wait its turn on a busy queue that long) plus the attempt timeout,
    /// or twice the attempt timeout when no deadline is given.
    /// </summary>
    public bool TryAcquire(string endpointId, out bool probe, DateTimeOffset? probeUntil = null)
    {
        probe = false;
        var state = StateOf(endpointId);
        lock (state)
        {
            if (state.CoolingUntil is not { } until)
            {
                return true;
            }

            if (until > time.GetUtcNow() || ProbeRunning(state))
            {
                return false;
            }

            var now = time.GetUtcNow();
            var attemptTimeout = TimeSpan.FromSeconds(options.Value.AttemptTimeoutSeconds);
            state.ProbeSince = now;
            state.ProbeLapsesAt = probeUntil is { } given && given > now ? given + attemptTimeout : now + (2 * attemptTimeout);
            probe = true;
            return true;
        }
    }

    /// <summary>The endpoint answered (or refused the request itself, which says nothing against it).</summary>
    public EndpointHealthChanged? RecordSuccess(string endpointId)
    {
        var state = StateOf(endpointId);
        lock (state)
        {
            var wasCooling = state.CoolingUntil is not null;
            state.Failures = 0;
            state.Trips = 0;
            state.CoolingUntil = null;
            state.ProbeSince = null;
            return wasCooling ? Changed(endpointId, state) : null;
        }
    }

    /// <summary>An attempt that neither succeeded nor failed (the caller went away, the broker was away): a probe claim is given back.</summary>
    public void Release(string endpointId, bool probe)
    {
        if (!probe)
        {
            return;
        }

        var state = StateOf(endpointId);
        lock (state)
        {
            state.ProbeSince = null;
        }
    }

    /// <summary>
    /// A retryable failure; returns the change to publish when it starts a cooldown. A failure
    /// while a cooldown runs (or waits for its probe) belongs to the incident that started it and
    /// changes nothing but the last error kind — unless it is the probe's own, or asks with
    /// <c>Retry-After</c> for a longer pause than is left.
    /// </summary>
    public EndpointHealthChanged? RecordFailure(string endpointId, string kind, int? retryAfterSeconds = null, bool probe = false)
    {
        var o = options.Value;
        var state = StateOf(endpointId);
        var now = time.GetUtcNow();
        lock (state)
        {
            state.LastErrorKind = kind;
            var retryAfter = retryAfterSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(Math.Min(seconds, o.MaxCooldownSeconds)) : (TimeSpan?)null;
            if (probe && state.ProbeSince is not null)
            {
                // The recovery probe failed: the endpoint is not back, and the next pause is longer.
                // (A probe whose claim is gone — the endpoint came back meanwhile, or the claim
                // lapsed — counts as any failure would.)
                state.ProbeSince = null;
                state.Trips++;
                return Cool(endpointId, state, Max(retryAfter, Cooldown(o, state.Trips)));
            }

            if (state.CoolingUntil is { } until)
            {
                // An attempt that was already in flight when the incident began.
                if (retryAfter is { } pause && now + pause > until)
                {
                    return Cool(endpointId, state, pause);
                }

                return null;
            }

            state.Failures++;
            if (retryAfter is not null || state.Failures >= o.FailuresBeforeCooldown)
            {
                return Cool(endpointId, state, retryAfter ?? Cooldown(o, state.Trips));
            }

            return null;
        }
    }

    /// <summary>Applies what another ingress replica reported.</summary>
    public void Apply(EndpointHealthChanged change)
    {
        if (change.ReportedBy == ReporterId)
        {
            return;
        }

        var state = StateOf(change.EndpointId);
        lock (state)
        {
            if (change.ChangedAt < state.ChangedAt)
            {
                return;
            }

            state.ChangedAt = change.ChangedAt;
            state.CoolingUntil = change.CoolingUntil;
            state.Failures = change.ConsecutiveFailures;
            state.Trips = change.Trips;
            state.LastErrorKind = change.LastErrorKind ?? state.LastErrorKind;
            if (change.CoolingUntil is null)
            {
                state.ProbeSince = null;
            }
        }
    }

    /// <summary>When the endpoint comes back, if it is cooling down now.</summary>
    public DateTimeOffset? CoolingUntil(string endpointId)
    {
        if (!_states.TryGetValue(endpointId, out var state))
        {
            return null;
        }

        lock (state)
        {
            return state.CoolingUntil is { } until && until > time.GetUtcNow() ? until : null;
        }
    }

    public string? LastErrorKind(string endpointId)
    {
        if (!_states.TryGetValue(endpointId, out var state))
        {
            return null;
        }

        lock (state)
        {
            return state.LastErrorKind;
        }
    }

    private static TimeSpan Cooldown(RoutingOptions o, int trips) =>
        TimeSpan.FromSeconds(Math.Min(o.CooldownSeconds * Math.Pow(2, Math.Min(trips, 20)), o.MaxCooldownSeconds));

    private static TimeSpan Max(TimeSpan? a, TimeSpan b) => a is { } x && x > b ? x : b;

    /// <summary>A probe claim that was never recorded (its attempt lost) lapses, so the endpoint cannot stay out for good.</summary>
    private bool ProbeRunning(State state) =>
        state.ProbeSince is not null && state.ProbeLapsesAt is { } lapses && time.GetUtcNow() < lapses;

    private EndpointHealthChanged Cool(string endpointId, State state, TimeSpan cooldown)
    {
        state.Failures = 0;
        state.CoolingUntil = time.GetUtcNow() + cooldown;
        return Changed(endpointId, state);
    }

    private State StateOf(string endpointId) => _states.GetOrAdd(endpointId, static _ => new State());

    private EndpointHealthChanged Changed(string endpointId, State state)
    {
        state.ChangedAt = time.GetUtcNow();
        return new(endpointId, state.CoolingUntil, state.Failures, state.Trips, state.LastErrorKind, ReporterId, state.ChangedAt);
    }

    private sealed class State
    {
        /// <summary>Consecutive retryable failures since the last success, outside a cooldown.</summary>
        public int Failures { get; set; }

        /// <summary>Failed probes since the endpoint last worked: the cooldown is <c>CooldownSeconds × 2^Trips</c>.</summary>
        public int Trips { get; set; }

        public DateTimeOffset? CoolingUntil { get; set; }

        /// <summary>When the running probe was admitted, if one is running.</summary>
        public DateTimeOffset? ProbeSince { get; set; }

        public DateTimeOffset? ProbeLapsesAt { get; set; }

        public string? LastErrorKind { get; set; }

        public DateTimeOffset ChangedAt { get; set; }
    }
}
