using MassTransit;
using RabbitMQ.Client.Exceptions;

namespace BrokerGateway.Hosting.Messaging;

public static class BrokerFaults
{
    /// <summary>
    /// What a send or publish throws when the broker is away or going away: MassTransit's own
    /// failures, the client's (a channel or connection closed under it), and the socket's.
    /// </summary>
    public static bool IsBrokerTrouble(Exception exception) =>
        exception is MassTransitException or RabbitMQClientException or IOException or ObjectDisposedException;
}
