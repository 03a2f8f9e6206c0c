using System.ComponentModel.DataAnnotations;

namespace BrokerGateway.Ingress;

/// <summary>The ingress's own limits (section <c>Gateway</c>).</summary>
internal sealed class IngressOptions
{
    public const string Section = "Gateway";

    /// <summary>How long a request may take in all before the caller gets 504.</summary>
    [Range(1, 3600, ErrorMessage = "Gateway:RequestTimeoutSeconds: must be from 1 to 3600")]
    public int RequestTimeoutSeconds { get; set; } = 120;

    /// <summary>The most a caller may ask for with <c>x-gateway-timeout-ms</c>.</summary>
    [Range(1, 86400, ErrorMessage = "Gateway:MaxRequestTimeoutSeconds: must be from 1 to 86400")]
    public int MaxRequestTimeoutSeconds { get; set; } = 600;

    /// <summary>At a graceful stop, how long requests in flight may take to finish before they are answered 503 <c>gateway_stopping</c>.</summary>
    [Range(0, 3600, ErrorMessage = "Gateway:ShutdownGraceSeconds: must be from 0 to 3600")]
    public int ShutdownGraceSeconds { get; set; } = 30;

    /// <summary>
    /// At a graceful stop, how long the ingress goes on taking requests first — answering each with
    /// <c>Connection: close</c> and <c>/health/ready</c> with 503 — so that load balancers take it out
    /// and clients let go of their kept-alive connections before it stops listening.
    /// </summary>
    [Range(0, 300, ErrorMessage = "Gateway:ShutdownDelaySeconds: must be from 0 to 300")]
    public int ShutdownDelaySeconds { get; set; }

    /// <summary>The largest request body accepted; a larger one gets 413.</summary>
    [Range(1024, 1_073_741_824, ErrorMessage = "Gateway:MaxRequestBodyBytes: must be from 1024 to 1073741824")]
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;
}
