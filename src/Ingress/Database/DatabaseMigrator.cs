namespace BrokerGateway.Ingress.Database;

/// <summary>
/// Applies the gateway database's migrations at start, before any other service touches the
/// database: it is registered ahead of them, and hosted services start one after the other. A
/// database that cannot be reached or migrated stops the ingress at start.
/// </summary>
internal sealed class DatabaseMigrator(GatewayDatabase database, IEnumerable<MigrationFill> fills) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.MigrateAsync(fills, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
