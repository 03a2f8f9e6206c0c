using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// A local sink for OpenTelemetry's OTLP over HTTP (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>):
/// takes every export on <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> with 200, as a
/// collector does, counts what came, and says so at <c>GET /received</c> — what the benchmark
/// exports its traces and metrics to when it measures their cost.
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _bySignal = new(StringComparer.Ordinal);
    private long _exports;
    private long _bytes;

    private OtlpSink(WebApplication app, string url) => (_app, Url) = (app, url);

    /// <summary>The sink's address, for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Url { get; }

    /// <summary>How many exports of <paramref name="signal"/> (<c>traces</c>, <c>metrics</c>, <c>logs</c>) came.</summary>
    public int Exports(string signal) => _bySignal.GetValueOrDefault(signal);

    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<OtlpSink> StartAsync(string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var sink = new OtlpSink(app, url);
        // Three routes rather than a regex constraint, which the slim builder does not register.
        foreach (var signal in (string[])["traces", "metrics", "logs"])
        {
            app.MapPost("/v1/" + signal, (HttpRequest request) => sink.TakeAsync(request, signal));
        }

        app.MapGet("/received", () => Results.Text($"{Interlocked.Read(ref sink._exports)} exports, {Interlocked.Read(ref sink._bytes)} bytes"));
        await app.StartAsync();
        return sink;
    }

    private async Task<IResult> TakeAsync(HttpRequest request, string signal)
    {
        var buffer = new byte[16 * 1024];
        long length = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
        {
            length += read;
        }

        Interlocked.Increment(ref _exports);
        Interlocked.Add(ref _bytes, length);
        _bySignal.AddOrUpdate(signal, 1, (_, count) => count + 1);

        // An empty ExportTrace/Metrics/LogsServiceResponse: nothing rejected.
        return Results.Bytes([], "application/x-protobuf");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
