using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Endpoints;
using BrokerGateway.Dispatcher.Mock;
using BrokerGateway.Dispatcher.Upstream;
using BrokerGateway.Hosting.Manifest;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// Serves one request from an endpoint queue: finds the endpoint in this dispatcher's manifest,
/// calls its upstream (or the built-in mock) with the endpoint's key, and responds with the result.
/// </summary>
public sealed partial class SubmitCompletionConsumer(
    ManifestStore manifest,
    ServedEndpoints served,
    UpstreamClient upstream,
    MockProvider mock,
    TimeProvider time,
    ILogger<SubmitCompletionConsumer> logger) : IConsumer<SubmitCompletion>
{
    public async Task Consume(ConsumeContext<SubmitCompletion> context)
    {
        var request = context.Message;
        var entry = manifest.Current?.FindByEndpointId(request.EndpointId);
        CompletionResult result;
        if (time.GetUtcNow() >= request.Deadline)
        {
            // Answered rather than dropped, so a caller whose clock disagrees with ours learns at once.
            LogExpired(logger, request.RequestId, request.EndpointId);
            result = new(request.RequestId, request.EndpointId, CompletionOutcome.TimedOut, 0, string.Empty, "the request's deadline had passed when a dispatcher took it");
        }
        else if (entry is null || !served.Serves(request.EndpointId))
        {
            result = NotServed(request, entry is null ? "the endpoint is not in this dispatcher's manifest" : "this dispatcher does not serve the endpoint");
        }
        else if (entry.IsMock)
        {
            result = mock.Answer(request);
        }
        else if (served.TryGetKey(entry, out var key))
        {
            result = await upstream.SendAsync(entry, key, request, context.CancellationToken);
        }
        else
        {
            result = NotServed(request, "this dispatcher holds no key for the endpoint");
        }

        LogAnswered(logger, request.RequestId, request.EndpointId, result.Outcome, result.StatusCode);
        await context.RespondAsync(result);
    }

    private static CompletionResult NotServed(SubmitCompletion request, string detail) =>
        new(request.RequestId, request.EndpointId, CompletionOutcome.NotServed, 0, string.Empty, detail);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Request {RequestId} for {EndpointId}: {Outcome} {StatusCode}")]
    private static partial void LogAnswered(ILogger logger, Guid requestId, string endpointId, CompletionOutcome outcome, int statusCode);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Request {RequestId} for {EndpointId} not sent upstream: its deadline had passed")]
    private static partial void LogExpired(ILogger logger, Guid requestId, string endpointId);
}
