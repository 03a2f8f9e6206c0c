using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Hosting.Manifest;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher.Endpoints;

/// <summary>
/// Which endpoint_ids this dispatcher serves: those it holds a key for, plus entries of the built-in
/// mock provider (which needs none), narrowed to <c>DISPATCHER_ENDPOINTS</c> when that is set. An
/// endpoint with neither a key nor the mock URL is never served, so no unauthenticated call is sent.
/// </summary>
internal sealed class ServedEndpoints(IOptions<DispatcherOptions> options, ManifestStore manifest)
{
    public IReadOnlyList<string> Current()
    {
        var o = options.Value;
        var ids = new SortedSet<string>(o.ApiTokens.Keys, StringComparer.Ordinal);
        foreach (var entry in manifest.Current?.Entries ?? [])
        {
            if (entry.IsMock)
            {
                ids.Add(entry.EndpointId);
            }
        }

        if (o.Endpoints.Count > 0)
        {
            ids.IntersectWith(o.Endpoints);
        }

        return [.. ids];
    }

    /// <summary>The same rule as <see cref="Current"/> for one endpoint, without building the set (every message asks).</summary>
    public bool Serves(string endpointId)
    {
        var o = options.Value;
        if (o.Endpoints.Count > 0 && !o.Endpoints.Contains(endpointId, StringComparer.Ordinal))
        {
            return false;
        }

        return o.ApiTokens.ContainsKey(endpointId) || manifest.Current?.FindByEndpointId(endpointId)?.IsMock == true;
    }

    public bool TryGetKey(ManifestEntry entry, out string key) =>
        options.Value.ApiTokens.TryGetValue(entry.EndpointId, out key!);
}
