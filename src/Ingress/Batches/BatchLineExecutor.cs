using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Runs one batch line through the <see cref="RequestPipeline"/>, as an interactive request runs —
/// budget, rate limit, endpoint choice, routing with failover, usage row (carrying the batch id) —
/// but with the batch policy: through the endpoints' batch queues. What becomes of it is decided by
/// its <see cref="BatchLineSink"/>.
/// </summary>
internal sealed class BatchLineExecutor(RequestPipeline pipeline, TimeProvider time, IOptions<BatchOptions> options)
{
    /// <summary>How often an upstream's passing refusal (429, 5xx after every endpoint) is tried again before it becomes the line's result.</summary>
    public const int MaxUpstreamRetries = 5;

    /// <summary>
    /// The line's result, or null and how long to wait before trying it again. An upstream refusal
    /// that may pass (429, 5xx) is tried again while <paramref name="upstreamRetries"/> is below
    /// <see cref="MaxUpstreamRetries"/>; <paramref name="refusedForNow"/> says the null came from one.
    /// </summary>
    public async Task<(BatchLineResult? Result, TimeSpan RetryAfter, bool RefusedForNow)> RunAsync(
        Batch batch, CallerIdentity owner, BatchLine line, int upstreamRetries, CancellationToken cancellationToken)
    {
        var route = BatchEndpoints.RouteOf(batch.Endpoint);
        var bytes = Encoding.UTF8.GetBytes(line.Body);
        var request = new GatewayRequest(
            Guid.NewGuid(), owner, line.Model, route, line.Body, bytes.Length,
            TimeSpan.FromSeconds(options.Value.LineTimeoutSeconds), RequestPolicy.Batch, time.GetTimestamp())
        {
            BatchId = batch.Id,
            RequestedAccount = batch.Account,

            // A Responses line may continue a stored response: it goes where that response is.
            ContinuesResponse = route == UpstreamRoute.Responses ? RequestValidator.Validate(route, bytes).PreviousResponseId : null,
        };
        var sink = new BatchLineSink(line, request.RequestId, upstreamRetries);
        await pipeline.RunAsync(request, sink, cancellationToken);
        return (sink.Result, sink.RetryAfter, sink.RefusedForNow);
    }

    /// <summary>A line the gateway itself refused: no response, an error object in OpenAI's shape.</summary>
    public static BatchLineResult Failed(BatchLine line, Guid requestId, ApiError error) =>
        new(line.Number, null, requestId.ToString("N"), null, ErrorObject(error.Code ?? error.Type, error.Message));

    /// <summary><c>{"code": …, "message": …}</c>, the error of an output line.</summary>
    public static string ErrorObject(string code, string message) => JsonSerializer.Serialize(new LineError(code, message), BatchesJson.Gateway.LineError);
}
