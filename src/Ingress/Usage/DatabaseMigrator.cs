namespace BrokerGateway.Ingress.Usage;

/// <summary>
/// Applies the gateway database's migrations at start, before any other service touches the
/// database: it is registered ahead of them, and hosted services start one after the other. A
/// database that cannot be reached or migrated stops the ingress at start.
/// </summary>
public sealed class DatabaseMigrator(IUsageStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
