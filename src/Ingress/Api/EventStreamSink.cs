using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// A POST with <c>"stream": true</c>: answered as server-sent events once its first chunk arrives.
/// While routing takes long, keep-alive comments start the event stream early; from then on
/// whatever ends the request — an error, an upstream that answered whole — goes out as events.
/// What is settled before anything was written is answered as plain JSON.
/// </summary>
internal sealed class EventStreamSink(HttpContext context, StreamResponder responder, TimeSpan timeout) : JsonAnswerSink(context)
{
    public override Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken) =>
        responder.AwaitRoutingAsync(Response, routing, cancellationToken);

    public override async Task<StreamOutcome> RelayAsync(
        RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone)
    {
        WriteRoutingHeaders(routed);
        (CompletionResult? End, ApiError? Error) outcome;
        await using (stream)
        {
            try
            {
                outcome = await responder.RelayAsync(Response, stream.Buffer, routed.EndpointId!, deadline, timeout, ending);
            }
            catch (OperationCanceledException) when (ending.IsCancellationRequested && !callerGone.IsCancellationRequested)
            {
                outcome = await StreamResponder.EndWithAsync(Response, null, ApiErrors.GatewayStopping(), callerGone);
            }
        }

        return new StreamOutcome(outcome.Error?.Status ?? StatusCodes.Status200OK, outcome.End);
    }

    protected override async ValueTask<int?> FailAsync(ApiError error)
    {
        if (!Response.HasStarted)
        {
            return await base.FailAsync(error);
        }

        await StreamResponder.EndWithAsync(Response, null, error, Context.RequestAborted);
        return error.Status;
    }

    protected override Task WriteAsync(CompletionResult result)
    {
        // Keep-alives already began an event stream: the whole answer (or refusal) goes out as one event.
        return Response.HasStarted
            ? StreamResponder.WriteWholeAsync(Response, result.Body, done: FailoverPolicy.IsSuccess(result), Context.RequestAborted)
            : base.WriteAsync(result);
    }
}
