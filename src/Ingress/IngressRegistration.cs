using BrokerGateway.Hosting;
using BrokerGateway.Hosting.Configuration;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Hosting.Messaging;
using BrokerGateway.Hosting.Telemetry;
using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Batches;
using BrokerGateway.Ingress.Dashboard;
using BrokerGateway.Ingress.Database;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Files;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Responses;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;
using BrokerGateway.Ingress.Usage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress;

public static class IngressRegistration
{
    public const string DefaultUrl = "http://127.0.0.1:8000";

    /// <summary>
    /// The ingress. Alone, it needs RabbitMQ (<c>RABBITMQ_URL</c>); <paramref name="alongside"/>
    /// adds the services that share its process on the in-memory bus instead (the standalone host's
    /// dispatcher and manifest watcher).
    /// </summary>
    public static WebApplicationBuilder AddIngress(this WebApplicationBuilder builder, Action<IHostApplicationBuilder>? alongside = null)
    {
        builder.AddGatewayDefaults("ingress");
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<IngressOptions>().BindConfiguration(IngressOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel's own limit, from the same options.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<IngressOptions>>((kestrel, ingress) =>
            kestrel.Limits.MaxRequestBodySize = OptionsBinding.ValueOrDefault(ingress).MaxRequestBodyBytes);

        builder.AddGatewayAuthentication();
        builder.AddManifestReplica();

        // The database first: its migrations run before any service that touches it starts.
        builder.AddGatewayDatabase();
        builder.AddUsageRecords();
        builder.AddFiles();
        builder.AddBatches();
        builder.AddDashboard();
        builder.AddRateLimits();
        builder.AddFairShare();
        builder.AddStreaming();
        builder.AddRequestRouting();
        builder.AddResponseMemory();
        builder.AddRequestPipeline();
        builder.AddOpenAiApi();

        // A graceful stop first serves on for the delay (if any), then lets requests in flight finish
        // (up to the grace), then drains the usage records and stops the bus: the host must wait for all of it.
        builder.Services.AddSingleton<IngressDrain>();
        builder.Services.AddHostedService<IngressShutdownDelay>();
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<IngressOptions>>((host, ingress) =>
        {
            var stop = OptionsBinding.ValueOrDefault(ingress);
            host.ShutdownTimeout = TimeSpan.FromSeconds(Math.Max(host.ShutdownTimeout.TotalSeconds, stop.ShutdownDelaySeconds + stop.ShutdownGraceSeconds + 30));
        });

        alongside?.Invoke(builder);
        builder.AddGatewayBus(requireBroker: alongside is null);

        // After the bus (it asks the watcher), before the web server (which starts last).
        builder.Services.AddHostedService<ManifestGate>();
        return builder;
    }

    public static WebApplication UseIngress(this WebApplication app)
    {
        app.UseRequestIds();
        app.UseStoppingIngress();
        var bodyLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RequestBodyReader>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var error = RequestBodyReader.IsAboutTheBody(exception) ? RequestBodyReader.Unreadable(exception!, context, bodyLog) : null;
                return (error ?? ApiErrors.Internal()).WriteAsync(context);
            },

            // A body that could not be read is the caller's error, already logged in one line: no
            // "unhandled exception" with a stack trace (a client that left is handled by the middleware itself).
            SuppressDiagnosticsCallback = c => RequestBodyReader.IsAboutTheBody(c.Exception),
        });
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var error = http.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => ApiErrors.RouteNotFound(http.Request.Method, http.Request.Path),
                StatusCodes.Status405MethodNotAllowed => ApiErrors.MethodNotAllowed(http.Request.Method, http.Request.Path),
                _ => null,
            };
            return error?.WriteAsync(http) ?? Task.CompletedTask;
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthApi();
        app.MapGatewayMetrics();
        app.MapGatewayHealth();
        app.MapOpenAiApi(OpenAiApi.OpenAiPrefix);
        app.MapOpenAiApi(OpenAiApi.MetisPrefix);
        app.MapEndpointList();
        app.MapWhoAmI();
        app.MapUsage();
        app.MapDashboard();
        app.MapFairShare();
        app.MapFiles(OpenAiApi.OpenAiPrefix);
        app.MapFiles(OpenAiApi.MetisPrefix);
        app.MapBatches(OpenAiApi.OpenAiPrefix);
        app.MapBatches(OpenAiApi.MetisPrefix);
        return app;
    }
}
