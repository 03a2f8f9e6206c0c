using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>A status manifest served over HTTP on loopback, as operators host it — and as it fails: an error status, a broken document, a server that is gone.</summary>
public sealed class ManifestServer : IAsyncDisposable
{
    private WebApplication? _app;

    private ManifestServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/status.json";

    /// <summary>The body served; null answers 500.</summary>
    public string? Body { get; set; }

    public static async Task<ManifestServer> StartAsync(string body)
    {
        var server = new ManifestServer(FakeUpstream.ServiceProcess.FreePort()) { Body = body };
        await server.ListenAsync();
        return server;
    }

    /// <summary>Stops listening: the manifest's address refuses connections until <see cref="ListenAsync"/>.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.MapGet("/status.json", () => Body is { } body ? Results.Text(body, "application/json") : Results.StatusCode(500));
        await _app.StartAsync();
    }

    public ValueTask DisposeAsync() => new(StopListeningAsync());
}
