using System.Collections.Concurrent;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Ingress.Errors;
using MassTransit;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// Sends a request to the queue of the chosen endpoint and waits for a dispatcher's answer until
/// the deadline. The message expires with the deadline, so a dispatcher never works for a caller
/// that has given up.
/// </summary>
public sealed class CompletionSender(IClientFactory clients, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, IRequestClient<SubmitCompletion>> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// An interactive request is not written to the broker's disk: its caller is waiting, and if the
    /// broker is lost the request fails (503 or 504) rather than being replayed later, so persistence
    /// would only cost latency. (Batch lines, which must survive restarts, will be sent durable.)
    /// </summary>
    private static readonly RequestPipeConfiguratorCallback<SubmitCompletion> NotPersisted =
        pipe => pipe.UseExecute(context => context.Durable = false);

    public async Task<DispatchOutcome> SendAsync(ManifestEntry entry, UpstreamRoute route, string body, Guid requestId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = _clients.GetOrAdd(entry.EndpointId, static (id, factory) =>
            factory.CreateRequestClient<SubmitCompletion>(QueueNames.AddressOf(QueueNames.ForEndpoint(id))), clients);
        var message = new SubmitCompletion(requestId, entry.EndpointId, route, body, time.GetUtcNow() + timeout);
        try
        {
            var response = await client.GetResponse<CompletionResult>(message, NotPersisted, cancellationToken, RequestTimeout.After(ms: (int)timeout.TotalMilliseconds));
            return new DispatchOutcome(response.Message, null);
        }
        catch (RequestTimeoutException)
        {
            return new DispatchOutcome(null, ApiErrors.GatewayTimeout(timeout));
        }
        catch (RequestFaultException)
        {
            return new DispatchOutcome(null, ApiErrors.DispatcherFault(entry.EndpointId));
        }
        catch (MassTransitException)
        {
            // Sending failed: the broker is unreachable or refused the message.
            return new DispatchOutcome(null, ApiErrors.BrokerUnavailable());
        }
    }
}
