using Microsoft.Extensions.Hosting;

namespace BrokerGateway.Tests.Infrastructure;

public static class HostExtensions
{
    /// <summary>Stops and disposes hosts in reverse order; for <c>await using</c>-free cleanup in tests.</summary>
    public static async Task StopAllAsync(params IHost?[] hosts)
    {
        foreach (var host in hosts.Reverse())
        {
            if (host is null)
            {
                continue;
            }

            await host.StopAsync();
            host.Dispose();
        }
    }
}
