using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress;

/// <summary>
/// The grace of a graceful stop (SIGTERM): once the ingress stops listening — at once, or after
/// <c>Gateway:ShutdownDelaySeconds</c> (see <see cref="IngressShutdownDelay"/>) — the requests in
/// flight get <c>Gateway:ShutdownGraceSeconds</c> to finish. Then <see cref="Expired"/> fires: what
/// is still running is answered 503 <c>gateway_stopping</c> (a stream ends with that error event), with <c>Retry-After</c>, so a client or load balancer
/// sends it to another replica — rather than having its connection cut at the host's shutdown timeout.
/// </summary>
internal sealed class IngressDrain : IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private readonly CancellationTokenRegistration _registration;

    public IngressDrain(IHostApplicationLifetime lifetime, IOptions<IngressOptions> options)
    {
        var grace = TimeSpan.FromSeconds(options.Value.ShutdownDelaySeconds + options.Value.ShutdownGraceSeconds);
        Stopping = lifetime.ApplicationStopping;
        _registration = lifetime.ApplicationStopping.Register(() => _expired.CancelAfter(grace));
    }

    /// <summary>Cancelled when the ingress is told to stop (its delay, if any, is still to run).</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Cancelled when the grace of a stop is over.</summary>
    public CancellationToken Expired => _expired.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _expired.Dispose();
    }
}
