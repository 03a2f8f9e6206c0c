using System.Diagnostics;
using BrokerGateway.Hosting.Telemetry;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Usage;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// What the pipeline tells operators of each request, at its end: the metrics (the GenAI
/// conventions' token usage, duration, time to first token and per output token; the gateway's
/// requests, failovers, queue wait and refusals), the access log line, and the attributes of the
/// request's span (<c>{operation} {model}</c>, with the GenAI attributes and the endpoint) — the
/// same values as its usage row, never a prompt, a completion or a credential.
/// </summary>
internal sealed partial class RequestTelemetry(GatewayMetrics metrics, IOptions<RequestTelemetryOptions> options, ILogger<RequestTelemetry> logger)
{
    /// <summary>The operation name ASP.NET Core gives the span of each HTTP request it serves.</summary>
    private const string ServerSpan = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>
    /// The request's span, which carries its GenAI attributes: the span ASP.NET Core made for the
    /// HTTP request (a child of the caller's <c>traceparent</c>) — one span per request at the
    /// ingress, not a second one inside it — or, where there is none (a batch line), one of the
    /// gateway's own. Its context goes with each attempt to the dispatcher.
    /// </summary>
    public static RequestSpan Start(GatewayRequest request)
    {
        var operation = GatewayMetrics.Operation(RouteNames.Of(request.Route));
        var server = Activity.Current is { OperationName: ServerSpan } current ? current : null;
        var activity = server ?? GatewayTelemetry.Source.StartActivity(request.Model.Length > 0 ? $"{operation} {request.Model}" : operation, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.operation.name", operation);
            activity.SetTag("gen_ai.request.model", request.Model.Length > 0 ? request.Model : null);
            activity.SetTag("brokergateway.request_id", request.RequestId.ToString());
            activity.SetTag("brokergateway.route", RouteNames.Of(request.Route));
            activity.SetTag("brokergateway.policy", request.Policy.Name);
        }

        return new RequestSpan(activity, Owned: server is null);
    }

    public void Refused(RequestStep step, ApiError error)
    {
        metrics.Refusals.Add(1, new TagList { { "step", StepName(step) }, { "code", error.Code ?? "error" } });
        Activity.Current?.SetTag("error.type", error.Code);
    }

    /// <param name="firstEvent">For a stream, how long after its arrival its first event came.</param>
    public void Finished(GatewayRequest request, int status, RoutedAnswer? routed, (int Prompt, int Completion, int Total) tokens, TimeSpan duration, TimeSpan? firstEvent)
    {
        var route = RouteNames.Of(request.Route);
        var operation = GatewayMetrics.Operation(route);
        var endpoint = routed?.EndpointId ?? "none";
        var model = request.Model.Length > 0 ? request.Model : "none";
        metrics.Requests.Add(1, new TagList { { "route", route }, { "gen_ai.request.model", model }, { "endpoint", endpoint }, { "status", StatusClass(status) }, { "policy", request.Policy.Name } });
        var durationTags = new TagList { { "gen_ai.operation.name", operation }, { "gen_ai.request.model", model } };
        if (status >= 400)
        {
            durationTags.Add("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        metrics.RequestDuration.Record(duration.TotalSeconds, durationTags);
        if (tokens.Total > 0)
        {
            var input = new TagList { { "gen_ai.operation.name", operation }, { "gen_ai.request.model", model }, { "gen_ai.token.type", "input" } };
            var output = new TagList { { "gen_ai.operation.name", operation }, { "gen_ai.request.model", model }, { "gen_ai.token.type", "output" } };
            if (options.Value.UserLabels)
            {
                input.Add("user", request.Caller.Subject);
                output.Add("user", request.Caller.Subject);
            }

            metrics.TokenUsage.Record(tokens.Prompt, input);
            metrics.TokenUsage.Record(tokens.Completion, output);
        }

        if (firstEvent is { } first && status == 200)
        {
            metrics.TimeToFirstToken.Record(first.TotalSeconds, new TagList { { "gen_ai.operation.name", operation }, { "gen_ai.request.model", model } });
            if (tokens.Completion > 1)
            {
                metrics.TimePerOutputToken.Record((duration - first).TotalSeconds / (tokens.Completion - 1), new TagList { { "gen_ai.operation.name", operation }, { "gen_ai.request.model", model } });
            }
        }

        if (routed is { Attempts: > 1 } failedOver)
        {
            metrics.Failovers.Add(failedOver.Attempts - 1, new TagList { { "gen_ai.request.model", model } });
        }

        if (routed?.QueueMilliseconds is { } queued && routed.EndpointId is { } queuedAt)
        {
            metrics.QueueWait.Record(queued / 1000, new TagList { { "endpoint", queuedAt } });
        }

        if (Activity.Current is { IsAllDataRequested: true } activity && (activity.Source == GatewayTelemetry.Source || activity.OperationName == ServerSpan))
        {
            activity.SetTag("gen_ai.request.model", model);
            activity.SetTag("gen_ai.usage.input_tokens", tokens.Prompt);
            activity.SetTag("gen_ai.usage.output_tokens", tokens.Completion);
            activity.SetTag("brokergateway.endpoint", routed?.EndpointId);
            activity.SetTag("brokergateway.attempts", routed?.Attempts ?? 0);
            activity.SetTag("http.response.status_code", status);
            if (status >= 400)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        if (options.Value.AccessLog)
        {
            LogAccess(logger, request.RequestId, request.Caller.Subject, model, endpoint, route, status, routed?.Attempts ?? 0, routed?.QueueMilliseconds ?? 0, duration.TotalMilliseconds, tokens.Prompt, tokens.Completion);
        }
    }

    private static string StepName(RequestStep step) => step switch
    {
        RequestStep.RateLimit => "rate_limit",
        _ => step.ToString().ToLowerInvariant(),
    };

    /// <summary>The status as its own value: statuses come from a short list, so the label stays bounded.</summary>
    private static string StatusClass(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} by {User}: {Model} via {Endpoint} {Route} -> {Status}, {Attempts} attempt(s), queued {QueueMs:0} ms, {DurationMs:0} ms, {PromptTokens}+{CompletionTokens} tokens")]
    private static partial void LogAccess(ILogger logger, Guid requestId, string user, string model, string endpoint, string route, int status, int attempts, double queueMs, double durationMs, int promptTokens, int completionTokens);
}
