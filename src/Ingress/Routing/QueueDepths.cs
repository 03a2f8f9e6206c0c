using BrokerGateway.Hosting.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// How many requests wait in an endpoint's queue, read from RabbitMQ with a passive queue
/// declaration on a connection of its own, opened on first use. Unknown (null) on the in-memory
/// bus or while the broker cannot be asked.
/// </summary>
public sealed partial class QueueDepths(IOptions<BusOptions> bus, ILogger<QueueDepths> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<uint?> DepthAsync(string endpointId, CancellationToken cancellationToken)
    {
        if (!BusOptions.TryParse(bus.Value.RabbitMqUrl, out var url))
        {
            return null;
        }

        try
        {
            var connection = await ConnectAsync(url, cancellationToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            var queue = await channel.QueueDeclarePassiveAsync(QueueNames.ForEndpoint(endpointId), cancellationToken);
            return queue.MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return null;
        }
    }

    private async Task<IConnection> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null)
                {
                    await _connection.DisposeAsync();
                }

                var factory = new ConnectionFactory { Uri = url, ClientProvidedName = "brokergateway-ingress-queue-depths" };
                _connection = await factory.CreateConnectionAsync(cancellationToken);
            }

            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Queue depths unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
