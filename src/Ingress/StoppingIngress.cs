namespace BrokerGateway.Ingress;

/// <summary>
/// What callers and load balancers see of an ingress once it is told to stop (and through its
/// <c>Gateway:ShutdownDelaySeconds</c>): <c>/health/ready</c> answers 503, so a load balancer takes
/// it out, and every HTTP/1.x answer says <c>Connection: close</c>, so a client's next request opens
/// a new connection (elsewhere, once this replica stops listening) instead of racing the server's
/// close of a kept-alive one. HTTP/2 has no such header; Kestrel sends its GOAWAY when it stops.
/// Readiness is answered here rather than by a health check, which would log every probe of a
/// normal stop as an error.
/// </summary>
internal static class StoppingIngress
{
    private const string NotReady = """{"status":"unhealthy","checks":{"stopping":{"status":"unhealthy","description":"stopping"}}}""";

    public static WebApplication UseStoppingIngress(this WebApplication app)
    {
        var stopping = app.Services.GetRequiredService<IngressDrain>().Stopping;
        app.Use((context, next) =>
        {
            if (!stopping.IsCancellationRequested)
            {
                return next(context);
            }

            if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
            {
                context.Response.Headers.Connection = "close";
            }

            if (context.Request.Path.Equals("/health/ready", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(NotReady);
            }

            return next(context);
        });
        return app;
    }
}
