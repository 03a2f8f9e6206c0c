using System.Data.Common;

namespace BrokerGateway.Ingress.Usage;

/// <summary>The gateway's database (SQLite or PostgreSQL), for the stores that share it with the usage records.</summary>
public interface IDatabase
{
    /// <summary>A new, closed connection.</summary>
    DbConnection CreateConnection();
}
