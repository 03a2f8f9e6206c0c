using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// A real HTTP server on loopback that answers OpenAI-compatible POSTs under any prefix
/// (<c>/v1/chat/completions</c>, <c>/chat/completions</c>, …) and records what it received.
/// </summary>
public sealed class FakeUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly bool _record;
    private long _count;
    private SemaphoreSlim? _limit;
    private int _concurrent;
    private int _peak;

    private FakeUpstreamServer(WebApplication app, bool record)
    {
        _app = app;
        _record = record;
    }

    /// <summary>Written in a <c>"fake"</c> body or stream tag, it is replaced by the <c>Authorization</c> header the request came with.</summary>
    public const string EchoAuthorization = "{authorization}";

    /// <summary>The answer for requests that do not carry their own <c>"fake"</c> object.</summary>
    public FakeBehavior Behavior { get; set; } = new();

    /// <summary>The base URL to put in a manifest entry, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>
    /// The most requests this upstream works on at once, like a GPU server's batch size; those past
    /// it wait for a turn, first come first served. Null: no limit.
    /// </summary>
    public int? MaxConcurrency
    {
        get;
        set
        {
            field = value is > 0 ? value : null;
            _limit = field is { } most ? new SemaphoreSlim(most) : null;
        }
    }

    /// <summary>The most requests it has worked on at once since it started, or since <see cref="Clear"/>.</summary>
    public int PeakConcurrency => Volatile.Read(ref _peak);

    /// <summary>Cancelled when the process is asked to stop (SIGTERM, Ctrl+C): the host's console lifetime takes those signals.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<FakeUpstreamServer> StartAsync(string url = "http://127.0.0.1:0", bool record = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var server = new FakeUpstreamServer(app, record);
        app.MapPost("/{**path}", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Waits until a request matching <paramref name="predicate"/> was received, or fails after <paramref name="timeout"/>.</summary>
    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var match = _received.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            await Task.Delay(20, cts.Token);
        }
    }

    public void Clear()
    {
        _received.Clear();
        Volatile.Write(ref _peak, Volatile.Read(ref _concurrent));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var limit = _limit;
        if (limit is not null)
        {
            try
            {
                await limit.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var now = Interlocked.Increment(ref _concurrent);
        for (var peak = Volatile.Read(ref _peak); now > peak && Interlocked.CompareExchange(ref _peak, now, peak) != peak; peak = Volatile.Read(ref _peak))
        {
        }

        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
            limit?.Release();
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var received = new ReceivedRequest(context.Request.Method, context.Request.Path, context.Request.Headers.Authorization, body, DateTimeOffset.UtcNow);
        if (_record)
        {
            _received.Enqueue(received);
        }

        var (behavior, model, stream) = Resolve(body);

        // An upstream (or a proxy before it) that quotes the credentials it received back at the caller.
        var authorization = context.Request.Headers.Authorization.ToString();
        if (behavior.Body is { } quoting && quoting.Contains(EchoAuthorization, StringComparison.Ordinal))
        {
            behavior = behavior with { Body = quoting.Replace(EchoAuthorization, authorization, StringComparison.Ordinal) };
        }

        if (stream is { } echoing && echoing.Stream.Tag.Contains(EchoAuthorization, StringComparison.Ordinal))
        {
            stream = (echoing.Stream with { Tag = echoing.Stream.Tag.Replace(EchoAuthorization, authorization, StringComparison.Ordinal) }, echoing.IncludeUsage);
        }
        if (behavior.FailEvery is > 0 and var every && Interlocked.Increment(ref _count) % every == 1 % every)
        {
            behavior = behavior with { Status = 500 };
        }

        if (behavior.Abort)
        {
            context.Features.Get<IConnectionLifetimeFeature>()?.Abort();
            context.Abort();
            return;
        }

        if (behavior.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(behavior.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                received.Aborted = true;
                return;
            }
        }

        context.Response.StatusCode = behavior.Status;
        if (stream is { } streaming && behavior.Status is >= 200 and < 300 && behavior.Body is null)
        {
            try
            {
                received.ChunksSent = context.Request.Path.Value!.EndsWith("/responses", StringComparison.Ordinal)
                    ? await streaming.Stream.WriteResponsesAsync(context, model ?? "fake-model", context.RequestAborted)
                    : await streaming.Stream.WriteAsync(context, model ?? "fake-model", streaming.IncludeUsage, context.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException || context.RequestAborted.IsCancellationRequested)
            {
                received.Aborted = true;
            }

            return;
        }

        context.Response.ContentType = "application/json";
        if (behavior.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var answer = behavior.Body ?? (behavior.Status is >= 200 and < 300 ? FakeResponses.For(context.Request.Path, model) : FakeResponses.Error(behavior.Status));
        await context.Response.WriteAsync(answer, context.RequestAborted);
    }

    private (FakeBehavior Behavior, string? Model, (FakeStream Stream, bool IncludeUsage)? Stream) Resolve(string body)
    {
        var behavior = Behavior;
        string? model = null;
        (FakeStream, bool)? stream = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (behavior, null, null);
            }

            if (document.RootElement.TryGetProperty("stream", out var asked) && asked.ValueKind == JsonValueKind.True)
            {
                var includeUsage = document.RootElement.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                    && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
                stream = (behavior.Stream ?? FakeStream.From(document.RootElement.TryGetProperty("fake", out var f) ? f : default), includeUsage);
            }

            if (document.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String)
            {
                model = m.GetString();
            }

            if (document.RootElement.TryGetProperty("fake", out var fake) && fake.ValueKind == JsonValueKind.Object)
            {
                if (fake.TryGetProperty("status", out var status))
                {
                    behavior = behavior with { Status = status.GetInt32() };
                }

                if (fake.TryGetProperty("delay_ms", out var delay))
                {
                    behavior = behavior with { Delay = TimeSpan.FromMilliseconds(delay.GetInt32()) };
                }

                if (fake.TryGetProperty("body", out var text))
                {
                    behavior = behavior with { Body = text.GetString() };
                }

                if (fake.TryGetProperty("abort", out var abort) && abort.ValueKind == JsonValueKind.True)
                {
                    behavior = behavior with { Abort = true };
                }
            }
        }
        catch (JsonException)
        {
        }

        return (behavior, model, stream);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
