using System.Data.Common;

namespace BrokerGateway.Ingress.Database;

/// <summary>The gateway's database (SQLite or PostgreSQL), shared by usage records, files and batches.</summary>
internal interface IDatabase
{
    /// <summary>A new, closed connection.</summary>
    DbConnection CreateConnection();

    /// <summary>Whether the database refused a row's values (not a connection or server problem): retrying cannot help.</summary>
    bool IsDataError(DbException exception);
}
