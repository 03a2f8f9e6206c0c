using System.Globalization;
using System.Text;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.FairShare;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Ingress.Streaming;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// One completion POST — OpenAI's three, or Anthropic's Messages API — adapted to the <see cref="RequestPipeline"/>: read and check the
/// body, know the caller and the deadline, and run it with the sink its answer needs — JSON, or
/// server-sent events for <c>"stream": true</c>.
/// </summary>
internal sealed class CompletionHandler(
    RequestPipeline pipeline,
    StreamResponder responder,
    RequestBodyReader reader,
    IngressDrain drain,
    TimeProvider time,
    IOptions<IngressOptions> options,
    IOptions<StreamingOptions> streaming,
    IOptions<JwtOptions> jwt)
{
    public const string TimeoutHeader = "x-gateway-timeout-ms";

    public async Task<IResult> HandleAsync(HttpContext context, UpstreamRoute route, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var (body, readError) = await reader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        var validated = RequestValidator.Validate(route, body);
        var (model, stream, invalid) = validated;
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        var (timeout, badTimeout) = Deadline(context.Request, stream);
        var request = new GatewayRequest(
            context.RequestId(), CallerIdentity.From(context.User, jwt.Value.GroupsClaim), model!, route, Encoding.UTF8.GetString(body!), body!.Length,
            timeout, RequestPolicy.Interactive, started)
        {
            StreamIdleTimeout = stream ? TimeSpan.FromSeconds(streaming.Value.IdleTimeoutSeconds) : null,
            Headers = route == UpstreamRoute.Messages ? AnthropicHeaders(context.Request) : null,
            ContinuesResponse = validated.PreviousResponseId,
            RequestedAccount = FairShareHeaders.RequestedAccount(context.Request),
        };

        var sink = stream ? new EventStreamSink(context, responder, timeout) : new JsonAnswerSink(context);
        if (badTimeout is not null)
        {
            await pipeline.RejectAsync(request, sink, badTimeout, cancellationToken);
        }
        else
        {
            // The request ends when the caller leaves, or when this replica's stop grace is over.
            await pipeline.RunAsync(request, sink, cancellationToken, drain.Expired);
        }

        return sink.Result;
    }

    /// <summary>The headers of an Anthropic caller the upstream must see: the API version it speaks and the beta features it asks for.</summary>
    private static Dictionary<string, string>? AnthropicHeaders(HttpRequest request)
    {
        Dictionary<string, string>? headers = null;
        foreach (var name in (ReadOnlySpan<string>)["anthropic-version", "anthropic-beta"])
        {
            if (request.Headers.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 and <= 1000 } text && !text.Any(char.IsControl))
            {
                (headers ??= new(StringComparer.OrdinalIgnoreCase))[name] = text;
            }
        }

        return headers;
    }

    /// <summary>The request's total deadline: the configured one (for a stream, <c>Streaming:TimeoutSeconds</c>), or <c>x-gateway-timeout-ms</c> up to the configured cap.</summary>
    private (TimeSpan Timeout, ApiError? Error) Deadline(HttpRequest request, bool stream)
    {
        var o = options.Value;
        if (!request.Headers.TryGetValue(TimeoutHeader, out var header))
        {
            return (TimeSpan.FromSeconds(stream ? streaming.Value.TimeoutSeconds : o.RequestTimeoutSeconds), null);
        }

        if (!int.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds < 1)
        {
            return (default, ApiErrors.InvalidHeader(TimeoutHeader, "a whole number of milliseconds greater than 0"));
        }

        return (TimeSpan.FromMilliseconds(Math.Min(milliseconds, o.MaxRequestTimeoutSeconds * 1000.0)), null);
    }
}
