using System.Text.Json;
using System.Text.Unicode;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// Checks what the gateway itself needs from a request body — a JSON object with a model and the
/// route's input — and nothing more: every other field passes through to the upstream unchanged.
/// </summary>
internal static class RequestValidator
{
    /// <summary>Model ids are short names; a longer one is no model any manifest lists, and would bloat the usage records.</summary>
    public const int MaxModelLength = 256;

    /// <summary>The request's model, whether it asks for a stream and which stored response it continues, or what is wrong with it.</summary>
    public static ValidatedRequest Validate(UpstreamRoute route, ReadOnlyMemory<byte> body)
    {
        var checkedRequest = Check(route, body);
        return checkedRequest.Error is null ? checkedRequest : new ValidatedRequest(null, false, checkedRequest.Error);
    }

    private static ValidatedRequest Check(UpstreamRoute route, ReadOnlyMemory<byte> body)
    {
        // The body is passed on as text: bytes that are not UTF-8 would be altered on the way.
        if (!Utf8.IsValid(body.Span))
        {
            return new(null, false, ApiErrors.InvalidEncoding());
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return new(null, false, ApiErrors.InvalidJson());
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new(null, false, ApiErrors.InvalidJson());
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind == JsonValueKind.Null)
            {
                return new(null, false, ApiErrors.MissingParameter("model"));
            }

            if (model.ValueKind != JsonValueKind.String)
            {
                return new(null, false, ApiErrors.InvalidType("model", "a string"));
            }

            if (!TryGetString(model, out var name))
            {
                return new(null, false, ApiErrors.InvalidValue("model", "'model' is not a valid Unicode string."));
            }

            if (string.IsNullOrWhiteSpace(name))
            {
                return new(null, false, ApiErrors.InvalidValue("model", "'model' must not be empty."));
            }

            if (name.Length > MaxModelLength || name.Any(char.IsControl))
            {
                return new(null, false, ApiErrors.InvalidValue("model", $"'model' must be at most {MaxModelLength} characters, without control characters."));
            }

            var (stream, error) = ValidateStream(route, root);
            error ??= route switch
            {
                UpstreamRoute.ChatCompletions => ValidateMessages(root),
                UpstreamRoute.Messages => ValidateMessages(root) ?? ValidateMaxTokens(root),
                UpstreamRoute.Completions => ValidateStringOrArray(root, "prompt"),
                UpstreamRoute.Embeddings => ValidateStringOrArray(root, "input"),

                // A Responses request names its input, or a stored prompt that holds it.
                UpstreamRoute.Responses => root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.Object ? null : ValidateStringOrArray(root, "input"),
                _ => null,
            };
            var (previous, invalidPrevious) = route == UpstreamRoute.Responses ? PreviousResponse(root) : default;
            return new(name, stream, error ?? invalidPrevious) { PreviousResponseId = previous };
        }
    }

    /// <summary>The stored response a Responses request continues: its endpoint holds it, so the request goes there.</summary>
    private static (string? Id, ApiError? Error) PreviousResponse(JsonElement root)
    {
        if (!root.TryGetProperty("previous_response_id", out var previous) || previous.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        return previous.ValueKind == JsonValueKind.String && TryGetString(previous, out var id) && ResponseIds.IsValid(id)
            ? (id, null)
            : (null, ApiErrors.InvalidValue("previous_response_id", "'previous_response_id' must be the id of a response (letters, digits, '_' and '-')."));
    }

    /// <summary>A JSON string can hold an escaped lone surrogate (<c>"\ud800"</c>), which is valid JSON but no valid string.</summary>
    public static bool TryGetString(JsonElement element, out string value)
    {
        try
        {
            value = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = string.Empty;
            return false;
        }
    }

    private static (bool Stream, ApiError? Error) ValidateStream(UpstreamRoute route, JsonElement root)
    {
        if (!root.TryGetProperty("stream", out var stream))
        {
            return (false, null);
        }

        return stream.ValueKind switch
        {
            JsonValueKind.True when route == UpstreamRoute.Embeddings => (false, ApiErrors.StreamingUnsupported()),
            JsonValueKind.True => (true, null),
            JsonValueKind.False or JsonValueKind.Null => (false, null),
            _ => (false, ApiErrors.InvalidType("stream", "a boolean")),
        };
    }

    private static ApiError? ValidateMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
        {
            return ApiErrors.MissingParameter("messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            return ApiErrors.InvalidType("messages", "an array of message objects");
        }

        if (messages.GetArrayLength() == 0)
        {
            return ApiErrors.InvalidValue("messages", "'messages' must contain at least one message.");
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.InvalidType($"messages[{index}]", "an object");
            }

            if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                return role.ValueKind == JsonValueKind.Undefined
                    ? ApiErrors.MissingParameter($"messages[{index}].role")
                    : ApiErrors.InvalidType($"messages[{index}].role", "a string");
            }

            index++;
        }

        return null;
    }

    /// <summary>Anthropic's Messages API requires <c>max_tokens</c>, a whole number of at least 1.</summary>
    private static ApiError? ValidateMaxTokens(JsonElement root)
    {
        if (!root.TryGetProperty("max_tokens", out var max) || max.ValueKind == JsonValueKind.Null)
        {
            return ApiErrors.MissingParameter("max_tokens");
        }

        return max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var tokens) && tokens >= 1
            ? null
            : ApiErrors.InvalidType("max_tokens", "a whole number of at least 1");
    }

    private static ApiError? ValidateStringOrArray(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return ApiErrors.MissingParameter(name);
        }

        return value.ValueKind is JsonValueKind.String or JsonValueKind.Array
            ? null
            : ApiErrors.InvalidType(name, "a string or an array");
    }
}

/// <summary>What <see cref="RequestValidator"/> found: the model, whether a stream is asked for, or the error; and for a Responses request, the stored response it continues.</summary>
internal readonly record struct ValidatedRequest(string? Model, bool Stream, ApiError? Error)
{
    public string? PreviousResponseId { get; init; }
}
