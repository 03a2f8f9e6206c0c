using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Routing;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// One OpenAI-compatible POST: read and check the body, pick an endpoint, send the request to
/// its queue, and relay the answer — the upstream's body when it succeeded or refused the request,
/// an OpenAI-shaped error from the gateway's taxonomy otherwise.
/// </summary>
public sealed class CompletionHandler(EndpointSelector selector, CompletionSender sender, IOptions<IngressOptions> options)
{
    public const string EndpointHeader = "x-gateway-endpoint";

    public async Task<IResult> HandleAsync(HttpContext context, UpstreamRoute route, CancellationToken cancellationToken)
    {
        var requestId = context.RequestId();

        var (body, readError) = await RequestBodyReader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        var (model, invalid) = RequestValidator.Validate(route, body);
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        var decision = selector.Select(model!);
        if (decision.Error is not null)
        {
            return decision.Error.ToResult();
        }

        var entry = decision.Entry!;
        context.Response.Headers[EndpointHeader] = entry.EndpointId;
        var timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds);
        var outcome = await sender.SendAsync(entry, route, Encoding.UTF8.GetString(body!), requestId, timeout, cancellationToken);
        if (outcome.Error is not null)
        {
            return outcome.Error.ToResult();
        }

        var result = outcome.Result!;
        return IsRelayable(result)
            ? Results.Text(result.Body, "application/json", Encoding.UTF8, result.StatusCode)
            : ApiErrors.FromResult(result).ToResult();
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
