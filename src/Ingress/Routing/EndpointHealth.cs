using System.Collections.Concurrent;
using BrokerGateway.Contracts.Messages;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Which endpoints are in rotation. N consecutive retryable failures (or one 429/503 with
/// <c>Retry-After</c>) take an endpoint out for a cooldown that doubles on each repeat up to a cap;
/// when it ends, one request per ingress replica probes the endpoint (half-open) and its success
/// puts it back.
/// Changes are returned as <see cref="EndpointHealthChanged"/> for the caller to publish, and the
/// same events from other ingress replicas are applied here, so every replica routes alike.
/// </summary>
public sealed class EndpointHealth(TimeProvider time, IOptions<RoutingOptions> options)
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
            return state.CoolingUntil is not { } until || (until <= time.GetUtcNow() && !state.Probing);
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
    /// exactly one attempt (the probe) until that attempt is recorded.
    /// </summary>
    public bool TryAcquire(string endpointId)
    {
        var state = StateOf(endpointId);
        lock (state)
        {
            if (state.CoolingUntil is not { } until)
            {
                return true;
            }

            if (until > time.GetUtcNow() || state.Probing)
            {
                return false;
            }

            state.Probing = true;
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
            state.Probing = false;
            return wasCooling ? Changed(endpointId, state) : null;
        }
    }

    /// <summary>An attempt that neither succeeded nor failed (the caller went away): releases a probe claim.</summary>
    public void Release(string endpointId)
    {
        var state = StateOf(endpointId);
        lock (state)
        {
            state.Probing = false;
        }
    }

    /// <summary>A retryable failure; returns the change to publish when it takes the endpoint out of rotation.</summary>
    public EndpointHealthChanged? RecordFailure(string endpointId, string kind, int? retryAfterSeconds = null)
    {
        var o = options.Value;
        var state = StateOf(endpointId);
        lock (state)
        {
            state.Failures++;
            state.LastErrorKind = kind;
            var wasProbe = state.Probing;
            state.Probing = false;
            TimeSpan? cooldown = null;
            if (retryAfterSeconds is > 0 and var seconds)
            {
                cooldown = TimeSpan.FromSeconds(Math.Min(seconds, o.MaxCooldownSeconds));
            }
            else if (wasProbe || state.Failures >= o.FailuresBeforeCooldown)
            {
                var factor = Math.Pow(2, Math.Min(state.Trips, 20));
                cooldown = TimeSpan.FromSeconds(Math.Min(o.CooldownSeconds * factor, o.MaxCooldownSeconds));
                state.Trips++;
            }

            if (cooldown is null)
            {
                return null;
            }

            state.CoolingUntil = time.GetUtcNow() + cooldown.Value;
            return Changed(endpointId, state);
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
                state.Probing = false;
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

    private State StateOf(string endpointId) => _states.GetOrAdd(endpointId, static _ => new State());

    private EndpointHealthChanged Changed(string endpointId, State state)
    {
        state.ChangedAt = time.GetUtcNow();
        return new(endpointId, state.CoolingUntil, state.Failures, state.Trips, state.LastErrorKind, ReporterId, state.ChangedAt);
    }

    private sealed class State
    {
        public int Failures { get; set; }

        public int Trips { get; set; }

        public DateTimeOffset? CoolingUntil { get; set; }

        public bool Probing { get; set; }

        public string? LastErrorKind { get; set; }

        public DateTimeOffset ChangedAt { get; set; }
    }
}
