using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>An RFC 7662 introspection endpoint on loopback: answers from a table of tokens, checks the client's credentials, counts calls.</summary>
public sealed class FakeIntrospectionServer : IAsyncDisposable
{
    public const string ClientId = "gateway-client";
    public const string ClientSecret = "introspection-secret-value";
    private readonly WebApplication _app;
    private int _calls;

    private FakeIntrospectionServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>token → the JSON answer for it; a token not in the table is inactive.</summary>
    public ConcurrentDictionary<string, string> Answers { get; } = new();

    /// <summary>While set, every call gets HTTP 500, as a server that is down.</summary>
    public bool Down { get; set; }

    /// <summary>While set, every call waits for this task before it is answered.</summary>
    public Task? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public string Url { get; private set; } = null!;

    public static string Active(string subject, string[] groups, DateTimeOffset? expires = null, string audience = "[\"other-service\"]", string clientId = "some-app") =>
        $$"""{"active":true,"sub":"{{subject}}","groups":[{{string.Join(",", groups.Select(g => $"\"{g}\""))}}],"exp":{{(expires ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeSeconds()}},"aud":{{audience}},"client_id":"{{clientId}}"}""";

    public static async Task<FakeIntrospectionServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeIntrospectionServer(app);
        app.MapPost("/introspect", (Func<HttpContext, Task<IResult>>)server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Urls.First() + "/introspect";
        return server;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        if (context.Request.Headers.Authorization != expected)
        {
            return Results.Unauthorized();
        }

        if (Gate is { } gate)
        {
            await gate.WaitAsync(context.RequestAborted);
        }

        if (Down)
        {
            return Results.StatusCode(500);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString();
        return Results.Text(Answers.TryGetValue(token, out var answer) ? answer : """{"active":false}""", "application/json");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
