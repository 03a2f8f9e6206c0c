using System.Text;
using System.Text.Json;
using BrokerGateway.Ingress.Api;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Files;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Ingress.Batches;

/// <summary>
/// Checks a batch's input file before anything is sent: every line a JSON object with a unique
/// <c>custom_id</c>, <c>method</c> POST, the batch's <c>url</c>, and a <c>body</c> the endpoint
/// accepts, for a model the owner may use. Any bad line fails the whole batch, its errors naming
/// the line and the reason.
/// </summary>
internal sealed class BatchValidator(IFileStore files, EndpointSelector selector)
{
    /// <summary>Errors reported at most; a file with more is still refused.</summary>
    public const int MaxErrors = 1000;

    public async Task<(IReadOnlyList<BatchLine> Lines, IReadOnlyList<BatchError> Errors)> ValidateAsync(
        Batch batch, CallerIdentity owner, int maxLines, CancellationToken cancellationToken)
    {
        var lines = new List<BatchLine>();
        var errors = new List<BatchError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var route = BatchEndpoints.RouteOf(batch.Endpoint);
        var number = 0;
        await foreach (var raw in files.ReadAsync(batch.InputFileId, cancellationToken))
        {
            number++;
            var text = raw.TrimEnd('\n', '\r');
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var (line, error) = Check(text, number);
            if (error is not null)
            {
                if (errors.Count < MaxErrors)
                {
                    errors.Add(error);
                }

                continue;
            }

            lines.Add(line!);
        }

        if (lines.Count + errors.Count == 0)
        {
            errors.Add(new BatchError("empty_file", "The input file has no requests.", null, null));
        }
        else if (lines.Count > maxLines)
        {
            errors.Add(new BatchError("too_many_requests", $"The batch has {lines.Count} requests; the gateway's limit is {maxLines}.", null, null));
        }

        return (errors.Count == 0 ? lines : [], errors);

        (BatchLine? Line, BatchError? Error) Check(string text, int at)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                return (null, new BatchError("invalid_json_line", "The line is not valid JSON.", null, at));
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return (null, new BatchError("invalid_json_line", "The line is not a JSON object.", null, at));
                }

                if (Text(root, "custom_id") is not { Length: > 0 } customId || customId.Contains('\0', StringComparison.Ordinal))
                {
                    return (null, new BatchError("missing_required_parameter", "Each line needs a 'custom_id': a non-empty string of valid Unicode without NUL.", "custom_id", at));
                }

                if (!ids.Add(customId))
                {
                    return (null, new BatchError("duplicate_custom_id", $"The custom_id '{customId}' is used by more than one line.", "custom_id", at));
                }

                if (Text(root, "method") != "POST")
                {
                    return (null, new BatchError("invalid_value", "'method' must be \"POST\".", "method", at));
                }

                if (Text(root, "url") != batch.Endpoint)
                {
                    return (null, new BatchError("invalid_value", $"'url' must be the batch's endpoint, \"{batch.Endpoint}\".", "url", at));
                }

                if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
                {
                    return (null, new BatchError("missing_required_parameter", "Each line needs a JSON object 'body'.", "body", at));
                }

                var raw = body.GetRawText();
                if (raw.Contains("\\u0000", StringComparison.Ordinal))
                {
                    return (null, new BatchError("invalid_value", "The body holds a NUL character, which the gateway does not store.", "body", at));
                }

                var (model, stream, invalid) = RequestValidator.Validate(route, Encoding.UTF8.GetBytes(raw));
                if (invalid is not null)
                {
                    return (null, new BatchError(invalid.Code ?? "invalid_value", invalid.Message, "body." + invalid.Param, at));
                }

                if (stream)
                {
                    return (null, new BatchError("invalid_value", "A batch request cannot be streamed.", "body.stream", at));
                }

                if (selector.Select(model!, owner).Error is { Code: "model_not_found" or "model_access_denied" } refused)
                {
                    return (null, new BatchError(refused.Code!, refused.Message, "body.model", at));
                }

                return (new BatchLine(at, customId, model!, raw), null);
            }
        }
    }

    /// <summary>A string property's value; null if absent, not a string, or not valid Unicode (an escaped lone surrogate).</summary>
    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && RequestValidator.TryGetString(value, out var text) ? text : null;
}
