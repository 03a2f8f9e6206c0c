using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress.Streaming;

/// <summary>How streamed answers (<c>"stream": true</c>) are relayed (section <c>Streaming</c>).</summary>
internal sealed class StreamingOptions
{
    public const string Section = "Streaming";

    /// <summary>How long a stream may run in all, unless the caller sets <c>x-gateway-timeout-ms</c>.</summary>
    [Range(1, 86400, ErrorMessage = "Streaming:TimeoutSeconds: must be from 1 to 86400")]
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>The longest silence between two events before the stream is ended with an error event.</summary>
    [Range(1, 3600, ErrorMessage = "Streaming:IdleTimeoutSeconds: must be from 1 to 3600")]
    public int IdleTimeoutSeconds { get; set; } = 60;

    /// <summary>How often a <c>: keep-alive</c> comment is sent while nothing else is, so proxies keep the connection.</summary>
    [Range(1, 3600, ErrorMessage = "Streaming:KeepAliveSeconds: must be from 1 to 3600")]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>The most event text one stream may hold back for a slow reader; past it the stream ends with an error event.</summary>
    [Range(1024, 1_073_741_824, ErrorMessage = "Streaming:MaxBufferBytes: must be from 1024 to 1073741824")]
    public long MaxBufferBytes { get; set; } = 8 * 1024 * 1024;
}
