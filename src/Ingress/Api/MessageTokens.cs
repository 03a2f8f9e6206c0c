using System.Text.Json;
using System.Text.Json.Serialization;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Hosting.Manifest;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: Anthropic's token count of a Messages request, which
/// clients such as Claude Code ask before they send one. Estimated at the ingress — a quarter of
/// the characters of the text in <c>system</c>, <c>messages</c> and <c>tools</c>, the rule of
/// thumb the gateway's rate limits use too — rather than asked of an upstream: it costs no upstream
/// call and no usage row, and works for every dialect. Only for a model the caller may use.
/// </summary>
internal static class MessageTokens
{
    public static async Task<IResult> CountAsync(HttpContext context, RequestBodyReader reader, ManifestStore manifest, IOptions<IngressOptions> options, IOptions<JwtOptions> jwt, CancellationToken cancellationToken)
    {
        var (body, readError) = await reader.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (readError is not null)
        {
            return readError.ToResult();
        }

        var (model, _, invalid) = RequestValidator.Validate(UpstreamRoute.ChatCompletions, body);
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        if (ModelsHandler.Usable(manifest, context, jwt) is not { } models)
        {
            return ApiErrors.ManifestNotLoaded().ToResult();
        }

        if (!models.Any(m => m.Id == model))
        {
            return ApiErrors.ModelNotFound(model!, [.. models.Select(m => m.Id)]).ToResult();
        }

        using var document = JsonDocument.Parse(body);
        var characters = 0L;
        foreach (var name in (ReadOnlySpan<string>)["system", "messages", "tools"])
        {
            if (document.RootElement.TryGetProperty(name, out var part))
            {
                characters += Characters(part);
            }
        }

        return Results.Json(new TokenCount((int)Math.Clamp((characters + 3) / 4, 1, int.MaxValue)), ApiJson.Gateway.TokenCount);
    }

    /// <summary>The characters of every string in a value, property names of objects in schemas included.</summary>
    private static long Characters(JsonElement value) => value.ValueKind switch
    {
        // A string that is no valid Unicode (an escaped lone surrogate) counts by its JSON text.
        JsonValueKind.String => RequestValidator.TryGetString(value, out var text) ? text.Length : value.GetRawText().Length,
        JsonValueKind.Array => value.EnumerateArray().Sum(Characters),
        JsonValueKind.Object => value.EnumerateObject().Sum(p => p.Name.Length + Characters(p.Value)),
        _ => 0,
    };
}

/// <summary>Anthropic's count_tokens answer.</summary>
internal sealed record TokenCount([property: JsonPropertyName("input_tokens")] int InputTokens);
