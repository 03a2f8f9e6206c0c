using System.Reflection;
using MassTransit;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client.Exceptions;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>
/// How soon a receive endpoint tries the broker again after losing it. MassTransit 8.5 backs off
/// exponentially up to 30 s, with no setting for it: after a ten-second broker restart, queues came
/// back 20 s after the broker did, and answers waited that long. This sets the same failures to be
/// retried every <see cref="Interval"/> (MassTransit adds a second of its own), so traffic flows
/// again within a few seconds of the broker's return.
/// </summary>
public static class ReconnectPolicy
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replaces the host's receive-transport retry policy. MassTransit keeps it in a read-only
    /// property, so this writes its backing field; returns false (and changes nothing) when a
    /// MassTransit version lays its configuration out differently — the default back-off then stays.
    /// </summary>
    public static bool TryApply(IRabbitMqBusFactoryConfigurator configurator)
    {
        var host = configurator.GetType().GetField("_hostConfiguration", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(configurator);
        var policy = host?.GetType().GetField("<ReceiveTransportRetryPolicy>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
        if (host is null || policy is null || policy.FieldType != typeof(IRetryPolicy))
        {
            return false;
        }

        policy.SetValue(host, Create());
        return true;
    }

    /// <summary>The failures MassTransit 8.5 retries a connection on, tried again every <see cref="Interval"/>.</summary>
    public static IRetryPolicy Create() => Retry.CreatePolicy(x =>
    {
        x.Handle<ConnectionException>();
        x.Handle<AlreadyClosedException>();
        x.Handle<OperationInterruptedException>(exception => exception.ChannelShouldBeClosed());
        x.Handle<NotSupportedException>(exception => exception.Message.Contains("Pipelining of requests forbidden", StringComparison.Ordinal));
        x.Ignore<AuthenticationFailureException>();
        x.Incremental(int.MaxValue, Interval, TimeSpan.Zero);
    });
}
