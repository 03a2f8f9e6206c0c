using System.Collections.Concurrent;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Puts one attempt on the queue of an endpoint, with this ingress's own queue as the address to
/// answer to. The message expires when the acceptance timeout does, so an attempt no dispatcher
/// took in time is never taken later by one.
/// </summary>
public sealed class AttemptSender(IBus bus, InstanceEndpoint instance)
{
    private readonly ConcurrentDictionary<string, Task<ISendEndpoint>> _endpoints = new(StringComparer.Ordinal);

    public async Task SendAsync(ManifestEntry entry, SubmitCompletion attempt, TimeSpan acceptWithin, CancellationToken cancellationToken, bool batch = false)
    {
        var queue = batch ? QueueNames.ForEndpointBatch(entry.EndpointId) : QueueNames.ForEndpoint(entry.EndpointId);
        var endpoint = await _endpoints.GetOrAdd(queue, static (name, b) => b.GetSendEndpoint(QueueNames.AddressOf(name)), bus);
        await endpoint.Send(attempt, context =>
        {
            context.RequestId = attempt.RequestId;
            context.ResponseAddress = instance.Address;
            context.TimeToLive = acceptWithin;

            // The caller is waiting: if the broker is lost the request fails (503 or 504) rather than
            // being replayed later, so a disk write would only cost latency. Batch lines, which must
            // survive a broker restart, are sent durable.
            context.Durable = batch;
        }, cancellationToken);
    }

    public async Task CancelAsync(CompletionAccepted accepted, CancellationToken cancellationToken)
    {
        var dispatcher = await bus.GetSendEndpoint(accepted.DispatcherAddress);
        await dispatcher.Send(new CancelCompletion(accepted.RequestId, accepted.Attempt), cancellationToken);
    }
}
