using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Hosting;

/// <summary>
/// A step of a graceful stop that must run before the hosted services stop (the web server, the
/// bus): the host runs every <see cref="IHostedLifecycleService.StoppingAsync"/> first. Nothing
/// happens at any other point of the host's life.
/// </summary>
public abstract class StoppingStep : IHostedLifecycleService
{
    public abstract Task StoppingAsync(CancellationToken cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
