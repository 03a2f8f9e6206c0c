using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>What a passive declaration tells of a queue: how many messages wait in it and how many consumers it has.</summary>
public readonly record struct QueueInfo(uint Messages, uint Consumers);

/// <summary>
/// Asks RabbitMQ about queues over a connection of its own (opened on first use, reopened after a
/// loss): a passive declaration gives a queue's waiting messages and consumers, or says it does not
/// exist. Used to see who consumes an endpoint's queue and whether a dispatcher's own queue still
/// exists, and by a dispatcher to check its queues' arguments at start. Null answers mean the broker
/// could not be asked (or the transport is in memory).
/// </summary>
public sealed partial class BrokerAdmin(IOptions<BusOptions> bus, ILogger<BrokerAdmin> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;
    private bool _reported;

    /// <summary>The queue's state; a queue that does not exist is (0, 0); null when the broker cannot be asked.</summary>
    public async Task<QueueInfo?> InspectAsync(string queue, CancellationToken cancellationToken)
    {
        if (!BrokerAddress.TryParse(bus.Value.RabbitMqUrl, out var url))
        {
            return null;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var channel = await ChannelAsync(url, cancellationToken);
            var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            _reported = false;
            return new QueueInfo(ok.MessageCount, ok.ConsumerCount);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A question given up half-way leaves its channel out of step: the next call opens another.
            await DropChannelAsync();
            throw;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            // The channel is closed by the refusal; the next call opens another.
            return new QueueInfo(0, 0);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 405)
        {
            // Exclusive to another connection: it exists, and its owner is connected.
            return new QueueInfo(0, 1);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException)
        {
            if (!_reported)
            {
                _reported = true;
                LogUnavailable(logger, ex.GetType().Name);
            }

            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Declares a durable queue with these arguments, or checks that it already has them: RabbitMQ
    /// refuses a declaration whose arguments differ from the queue's with
    /// <see cref="OperationInterruptedException"/> (reply code 406), which the caller turns into a
    /// message naming the setting.
    /// </summary>
    public async Task DeclareAsync(string queue, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        if (!BrokerAddress.TryParse(bus.Value.RabbitMqUrl, out var url))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var channel = await ChannelAsync(url, cancellationToken);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>(arguments), cancellationToken: cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropChannelAsync()
    {
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                await channel.DisposeAsync();
            }
            catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException or OperationCanceledException)
            {
                // Closing a channel of a connection that is going away: nothing to keep.
            }
        }
    }

    private async Task<IChannel> ChannelAsync(BrokerAddress address, CancellationToken cancellationToken)
    {
        if (_connection is not { IsOpen: true })
        {
            if (_connection is not null)
            {
                // Closing a connection whose broker went away can wait for a goodbye that never
                // comes: it is let go of in the background, not while the next question waits.
                DisposeInBackground(_connection);
                _channel = null;
            }

            var factory = new ConnectionFactory
            {
                Uri = address.Url,
                ClientProvidedName = "brokergateway-admin",
                RequestedConnectionTimeout = TimeSpan.FromSeconds(2),
                ContinuationTimeout = TimeSpan.FromSeconds(5),
                AutomaticRecoveryEnabled = false,
            };
            // Of a cluster, whichever node answers.
            _connection = await factory.CreateConnectionAsync(address.Endpoints(), cancellationToken);
            _channel = null;
        }

        if (_channel is not { IsOpen: true })
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        }

        return _channel;
    }

    private static void DisposeInBackground(IAsyncDisposable closing) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await closing.DisposeAsync();
            }
            catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                // Nothing is left to close.
            }
        });

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "The broker cannot be asked about its queues: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
