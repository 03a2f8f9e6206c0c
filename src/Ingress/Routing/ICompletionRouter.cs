using BrokerGateway.Contracts.Manifest;

namespace BrokerGateway.Ingress.Routing;

/// <summary>Runs a request through its candidate endpoints until one answers (see <see cref="CompletionRouter"/>).</summary>
internal interface ICompletionRouter
{
    Task<RoutedAnswer> RouteAsync(RouteRequest request, IReadOnlyList<ManifestEntry> candidates, CancellationToken cancellationToken);
}
