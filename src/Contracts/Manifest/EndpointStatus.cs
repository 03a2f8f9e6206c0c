namespace BrokerGateway.Contracts.Manifest;

/// <summary>The availability an operator declares for a manifest entry.</summary>
public enum EndpointStatus
{
    Live,
    Offline,
    Maintenance,
}
