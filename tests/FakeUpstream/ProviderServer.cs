using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// A real HTTP server on loopback that speaks one provider's protocol as strictly as the real
/// service checks it (<see cref="FakeAnthropicServer"/>, <see cref="FakeAzureServer"/>), and
/// records every request it received.
/// </summary>
public abstract class ProviderServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ProviderRequest> _received = new();
    private WebApplication? _app;

    /// <summary>The server's root, without a path: http://127.0.0.1:port.</summary>
    public Uri Root { get; private set; } = null!;

    public IReadOnlyList<ProviderRequest> Received => [.. _received];

    /// <summary>Cancelled when the process is asked to stop (SIGTERM, Ctrl+C), for the fake run alone.</summary>
    public CancellationToken Stopping => _app!.Lifetime.ApplicationStopping;

    protected async Task StartAsync(string url = "http://127.0.0.1:0", bool record = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        _app = builder.Build();
        _app.MapMethods("/{**path}", ["POST", "GET", "DELETE"], async context =>
        {
            string body;
            using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }

            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var request = new ProviderRequest(context.Request.Path, context.Request.QueryString.Value ?? string.Empty, headers, body) { Method = context.Request.Method };
            if (record)
            {
                _received.Enqueue(request);
            }

            await HandleAsync(context, request);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Root = new Uri(address.TrimEnd('/'));
    }

    protected abstract Task HandleAsync(HttpContext context, ProviderRequest request);

    protected static async Task JsonAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    protected static async Task EventAsync(HttpContext context, string? name, string data)
    {
        var text = (name is null ? string.Empty : $"event: {name}\n") + $"data: {data}\n\n";
        await context.Response.WriteAsync(text, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
