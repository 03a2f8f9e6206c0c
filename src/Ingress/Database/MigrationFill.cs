using System.Data.Common;

namespace BrokerGateway.Ingress.Database;

/// <summary>
/// A feature's step that fills what schema version <see cref="Version"/> added from the rows
/// already there (the usage totals from the usage records), run inside that version's migration.
/// Features register theirs as a service, so that the schema knows nothing of them.
/// </summary>
internal sealed record MigrationFill(int Version, Func<GatewayDatabase, DbConnection, DbTransaction, CancellationToken, Task> Fill);
