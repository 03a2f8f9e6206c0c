using System.Collections.Concurrent;
using System.Diagnostics;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Hosting.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Routing;

/// <summary>What became of putting an attempt on its endpoint's queue.</summary>
internal enum SendOutcome
{
    Sent,

    /// <summary>The endpoint's queue holds as many waiting requests as its bound allows.</summary>
    QueueFull,

    /// <summary>The broker could not take the message in time, or is known to be away.</summary>
    BrokerUnavailable,
}

/// <summary>
/// Puts one attempt on the queue of an endpoint, with this ingress's own queue as the address to
/// answer to. The message expires when the ingress stops waiting for it to be taken, so it is
/// never taken later. A send never waits for a broker that is away: it is refused at once while the
/// connection is known lost, given up the moment it is lost, and given up at once when the broker
/// refuses the message because the queue is full (the queue's bound; see
/// <see cref="QueueFullObserver"/>). <see cref="SendTimeout"/> only bounds a connection that died
/// without a word (until the AMQP heartbeat notices); a burst that keeps a busy broker's
/// confirmations slow for a second or two is not mistaken for an outage.
/// </summary>
internal sealed class AttemptSender(IBus bus, InstanceEndpoint instance, BrokerConnection broker, PendingAttempts pending, IOptions<BusOptions> options)
{
    /// <summary>The longest a send may take on a connection that seems alive before the caller is told the broker is unavailable.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request waits for a lost connection to come back before the caller is told the
    /// broker is unavailable: long enough for a reconnection to another node of a cluster (under a
    /// second when one was killed), short enough to answer within 2 s when the broker is away.
    /// </summary>
    public static readonly TimeSpan ReconnectWait = TimeSpan.FromSeconds(1.5);

    private readonly ConcurrentDictionary<string, Task<ISendEndpoint>> _endpoints = new(StringComparer.Ordinal);

    public async Task<SendOutcome> SendAsync(ManifestEntry entry, SubmitCompletion attempt, PendingAttempt waiting, TimeSpan timeToLive, bool batch = false)
    {
        // The loss to watch is read before the state: a loss between the two is then seen either way.
        var losing = broker.Losing;
        if (!broker.IsUp)
        {
            if (!await broker.WaitUntilUpAsync(ReconnectWait, CancellationToken.None))
            {
                return SendOutcome.BrokerUnavailable;
            }

            losing = broker.Losing;
            if (!broker.IsUp)
            {
                return SendOutcome.BrokerUnavailable;
            }
        }

        // On the in-memory bus the queue has no bound of its own: this ingress (the only one) counts.
        var o = options.Value;
        if (!batch && !o.UsesRabbitMq && o.QueueMaxLength > 0 && pending.Waiting(entry.EndpointId) > o.QueueMaxLength)
        {
            return SendOutcome.QueueFull;
        }

        var queue = batch ? QueueNames.ForEndpointBatch(entry.EndpointId) : QueueNames.ForEndpoint(entry.EndpointId);

        // Not the caller's token: a send given up half-way is logged by MassTransit as a fault, and a
        // caller leaving is not one. A send takes a millisecond; the caller's leaving is seen right after.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(losing);
        timeout.CancelAfter(SendTimeout);
        waiting.SendingWith(timeout);
        try
        {
            var endpoint = await _endpoints.GetOrAdd(queue, static (name, state) => state.Bus.GetSendEndpoint(state.RabbitMq ? QueueNames.ExchangeOf(name) : QueueNames.AddressOf(name)), (Bus: bus, RabbitMq: o.UsesRabbitMq));
            await endpoint.Send(attempt, context =>
            {
                context.RequestId = attempt.RequestId;
                context.ResponseAddress = instance.Address;
                context.TimeToLive = timeToLive;

                // The caller is waiting: if the broker is lost the request fails (503) rather than
                // being replayed later, so a disk write would only cost latency. Batch lines, which
                // must survive a broker restart, are sent durable.
                context.Durable = batch;

                // With fair share on, the broker's priority queue serves waiting requests by it.
                if (attempt.Priority is { } priority)
                {
                    context.TrySetPriority(priority);
                }

                // The request's trace goes with it: the dispatcher's span of the upstream call is its child.
                if (Activity.Current is { } span)
                {
                    context.Headers.Set(GatewayTelemetry.TraceHeader, span.Id);
                }
            }, timeout.Token);

            // The answer can only come over this connection: its loss ends the wait at once.
            waiting.EndOnLoss(losing);
            return SendOutcome.Sent;
        }
        catch (OperationCanceledException)
        {
            return waiting.SendRejected ? SendOutcome.QueueFull : SendOutcome.BrokerUnavailable;
        }
        catch (Exception ex) when (BrokerFaults.IsBrokerTrouble(ex))
        {
            return waiting.SendRejected ? SendOutcome.QueueFull : SendOutcome.BrokerUnavailable;
        }
        finally
        {
            waiting.SendingWith(null);
        }
    }

    public Task CancelAsync(CompletionAccepted accepted, CancellationToken cancellationToken) =>
        CancelAsync(accepted.DispatcherAddress, accepted.RequestId, accepted.Attempt, cancellationToken);

    /// <summary>
    /// Tells the dispatcher at <paramref name="dispatcher"/> to abort an attempt. Sent through the
    /// bus, not a consume context: a send the context starts is awaited again when its consumer
    /// returns, so one that failed would fault the message the consumer was handling.
    /// </summary>
    public async Task CancelAsync(Uri dispatcher, Guid requestId, int attempt, CancellationToken cancellationToken)
    {
        var endpoint = await bus.GetSendEndpoint(dispatcher);
        await endpoint.Send(new CancelCompletion(requestId, attempt), cancellationToken);
    }

    /// <summary>
    /// Withdraws an attempt nobody has taken yet, which stays on its queue until <paramref name="until"/>:
    /// every dispatcher hears it, and the one that takes the message later drops it unrun.
    /// </summary>
    public Task WithdrawAsync(Guid requestId, int attempt, DateTimeOffset until, CancellationToken cancellationToken) =>
        bus.Publish(new CancelCompletion(requestId, attempt, until), cancellationToken);
}
