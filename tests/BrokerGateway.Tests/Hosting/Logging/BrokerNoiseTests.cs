using BrokerGateway.Hosting.Logging;
using MassTransit;
using RabbitMQ.Client.Exceptions;
using Serilog.Events;
using Serilog.Parsing;

namespace BrokerGateway.Tests.Hosting.Logging;

public class BrokerNoiseTests
{
    private static LogEvent Event(string source, string template, Exception? exception) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Error, exception, new MessageTemplateParser().Parse(template),
            [new LogEventProperty("SourceContext", new ScalarValue(source))]);

    public static TheoryData<Exception> SendsCutOffByTheBrokerGoingAway() => new()
    {
        // The channel disposed under a publish as the connection closed (seen in the broker fault test).
        new RabbitMqConnectionException("BasicPublishAsync failed", new ObjectDisposedException("System.Threading.SemaphoreSlim")),
        new RabbitMqConnectionException("The connection is closed"),
        new AlreadyClosedException(new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 320, "CONNECTION_FORCED")),
        new OperationCanceledException(),

        // The client tore down a connection whose peer died (seen in the cluster test, a node killed).
        new OperationInterruptedException(new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 491, "ObjectDisposedException on channel")),
    };

    [Theory]
    [MemberData(nameof(SendsCutOffByTheBrokerGoingAway))]
    public void IsNoise_SendFaultFromTheBrokerGoingAway_IsFilteredOut(Exception exception)
    {
        var e = Event("MassTransit.ReceiveTransport", "S-FAULT {InputAddress} {MessageId} {MessageType}", exception);

        Assert.True(BrokerNoise.IsNoise(e));
    }

    [Fact]
    public void IsNoise_SendFaultOfAnotherKind_IsKept()
    {
        // A message the broker returned (nobody bound to take it) or one that could not be
        // serialized says something an operator must see.
        Assert.False(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "S-FAULT {InputAddress}", new RabbitMQ.Client.Exceptions.PublishException(1, isReturn: true))));
        Assert.False(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "S-FAULT {InputAddress}", new InvalidOperationException("serializer"))));

        // A channel error the broker raised: the send itself was wrong, the connection is fine.
        var notFound = new OperationInterruptedException(new RabbitMQ.Client.Events.ShutdownEventArgs(RabbitMQ.Client.ShutdownInitiator.Peer, 404, "NOT_FOUND - no exchange"));
        Assert.False(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "S-FAULT {InputAddress}", notFound)));
    }

    [Fact]
    public void IsNoise_AConsumerCancelledAsTheConnectionClosed_IsFilteredOut()
    {
        // Seen in the broker fault test: the upstream call's read cancelled with the consumer, which
        // rethrows the cancellation as its own; the unacknowledged message goes to another consumer.
        var cancelled = new OperationCanceledException("The operation was canceled.", new TaskCanceledException("The operation was canceled.", new IOException("Unable to read data from the transport connection: Operation canceled.")));

        Assert.True(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "T-FAULT {InputAddress} {MessageId}", cancelled)));
    }

    [Fact]
    public void IsNoise_ATransportFaultOfAnotherKind_IsKept()
    {
        // Only the consumer's own cancellation is the closing connection's: any other fault, even one
        // with a cancellation inside it, says something an operator must see.
        Assert.False(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "T-FAULT {InputAddress} {MessageId}", new InvalidOperationException("deserialize"))));
        Assert.False(BrokerNoise.IsNoise(Event("MassTransit.ReceiveTransport", "T-FAULT {InputAddress} {MessageId}", new IOException("read", new OperationCanceledException()))));
    }

    [Fact]
    public void IsNoise_TheSameExceptionOutsideMassTransit_IsKept()
    {
        var exception = new RabbitMqConnectionException("BasicPublishAsync failed", new ObjectDisposedException("x"));

        Assert.False(BrokerNoise.IsNoise(Event("BrokerGateway.Dispatcher.SubmitCompletionConsumer", "S-FAULT {InputAddress}", exception)));
    }
}
