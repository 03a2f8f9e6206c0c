using System.Diagnostics;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// A request's span at the ingress (see <see cref="RequestTelemetry.Start"/>): disposing it ends the
/// span only if the pipeline started it; ASP.NET Core ends its own.
/// </summary>
internal readonly record struct RequestSpan(Activity? Activity, bool Owned) : IDisposable
{
    public void Dispose()
    {
        if (Owned)
        {
            Activity?.Dispose();
        }
    }
}
