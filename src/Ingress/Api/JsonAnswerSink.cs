using System.Globalization;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// An OpenAI-compatible POST answered whole: the upstream's body when it succeeded or refused the
/// request in OpenAI's shape, an OpenAI-shaped error from the gateway's taxonomy otherwise, with
/// the <c>x-ratelimit-*</c> and <c>x-gateway-*</c> headers. The answer is <see cref="Result"/>,
/// which the endpoint returns.
/// </summary>
internal class JsonAnswerSink(HttpContext context) : IRequestSink
{
    public const string EndpointHeader = "x-gateway-endpoint";
    public const string AttemptsHeader = "x-gateway-attempts";
    public const string QueueTimeHeader = "x-gateway-queue-ms";

    protected HttpContext Context => context;

    protected HttpResponse Response => context.Response;

    /// <summary>What the endpoint returns: the answer, or nothing more once the response has been written.</summary>
    public IResult Result { get; private set; } = Results.Empty;

    public void RateLimited(RateLease lease) => lease.WriteHeaders(Response);

    public ValueTask<int?> RefuseAsync(RequestStep step, ApiError error, RoutedAnswer? routed)
    {
        if (step == RequestStep.Selection)
        {
            Response.Headers[AttemptsHeader] = "0";
        }

        if (routed is not null)
        {
            WriteRoutingHeaders(routed);
        }

        return FailAsync(error);
    }

    public virtual Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken) => routing;

    public async ValueTask<int?> AnswerAsync(RoutedAnswer routed, CompletionResult result)
    {
        WriteRoutingHeaders(routed);
        if (result.RetryAfterSeconds is { } retryAfter && result.StatusCode is 429 or 503 && !Response.HasStarted)
        {
            Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        if (!IsRelayable(result))
        {
            return await FailAsync(ApiErrors.FromResult(result));
        }

        await WriteAsync(result);
        return result.StatusCode;
    }

    public virtual Task<StreamOutcome> RelayAsync(RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone) =>
        throw new InvalidOperationException("A stream began for a request that did not ask for one.");

    /// <summary>The gateway's error, as the caller's API shapes it.</summary>
    protected virtual ValueTask<int?> FailAsync(ApiError error)
    {
        Result = error.ToResult();
        return ValueTask.FromResult<int?>(error.Status);
    }

    /// <summary>An upstream's body, relayed as it came.</summary>
    protected virtual Task WriteAsync(CompletionResult result)
    {
        Result = Results.Text(result.Body, "application/json", Encoding.UTF8, result.StatusCode);
        return Task.CompletedTask;
    }

    /// <summary>Which endpoint answered, after how many attempts, how long the request waited on queues — while the headers can still be written.</summary>
    protected void WriteRoutingHeaders(RoutedAnswer routed)
    {
        if (Response.HasStarted)
        {
            return;
        }

        if (routed.EndpointId is not null)
        {
            Response.Headers[EndpointHeader] = routed.EndpointId;
        }

        Response.Headers[AttemptsHeader] = routed.Attempts.ToString(CultureInfo.InvariantCulture);
        if (routed.QueueMilliseconds is { } queued)
        {
            Response.Headers[QueueTimeHeader] = Math.Round(queued).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// A success is relayed as the upstream sent it, and so is a refusal (4xx) that already has
    /// OpenAI's error shape — except 401 and 403, which concern the gateway's key, not the caller;
    /// anything else is answered from the gateway's taxonomy.
    /// </summary>
    private static bool IsRelayable(CompletionResult result) =>
        result.Outcome == CompletionOutcome.Answered
        && (result.StatusCode is >= 200 and < 300
            || (result.StatusCode is >= 400 and < 500 and not 401 and not 403 && HasErrorShape(result.Body)));

    private static bool HasErrorShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
