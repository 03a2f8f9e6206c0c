namespace BrokerGateway.Hosting.Manifest;

/// <summary>What a <see cref="ManifestStore"/> did with a manifest offered to it.</summary>
public enum ManifestOffer
{
    /// <summary>It is in force now, and differs from the one before.</summary>
    Changed,

    /// <summary>It is in force now, the same as the one before.</summary>
    Same,

    /// <summary>Ignored: it is older than the one held.</summary>
    Older,
}
