namespace BrokerGateway.ManifestWatcher;

/// <summary>The manifest's bytes, and when the source says it was last modified (a file's modification time, HTTP <c>Last-Modified</c>), if it says.</summary>
internal sealed record ManifestDocument(byte[] Bytes, DateTimeOffset? ModifiedAt);
