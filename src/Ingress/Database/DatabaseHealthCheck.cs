using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BrokerGateway.Ingress.Database;

/// <summary>Ready when the gateway's database answers a query: usage rows, files, batches and stored responses all live there.</summary>
internal sealed class DatabaseHealthCheck(IDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var probe = connection.Command("SELECT 1");
            await probe.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("reachable");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException or IOException)
        {
            // The exception's text may name the host and user: only its kind is said.
            return HealthCheckResult.Unhealthy($"the database cannot be reached ({ex.GetType().Name})");
        }
    }
}
