namespace BrokerGateway.ManifestWatcher;

/// <summary>The manifest could not be read; the message is safe to log (no credentials).</summary>
internal sealed class ManifestUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
