using System.Text.Json;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>A chat completion as a Responses API response (<see cref="TranslatedResponse"/>); chat's errors are OpenAI's already and stay as they are.</summary>
internal static class ChatToResponse
{
    /// <summary>The response, or null when the body is not a chat completion.</summary>
    public static string? Answer(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (DialectJson.Value(root, "choices") is not { ValueKind: JsonValueKind.Array } choices || choices.GetArrayLength() == 0
                || DialectJson.Value(choices[0], "message") is not { } message)
            {
                return null;
            }

            var created = DialectJson.Number(root, "created");
            var response = new TranslatedResponse(TranslatedResponse.NewId("resp"), created > 0 ? created : DateTimeOffset.UtcNow.ToUnixTimeSeconds(), DialectJson.String(root, "model"));
            var text = DialectJson.String(message, "content");
            var refusal = DialectJson.String(message, "refusal");
            if (text is { Length: > 0 } || refusal is not null)
            {
                var item = response.Add("message", "msg");
                item.Text.Append(text);
                item.Refusal = refusal;
            }

            if (DialectJson.Value(message, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = DialectJson.Value(call, "function");
                    var item = response.Add("function_call", "fc", DialectJson.String(call, "id"), function is { } f ? DialectJson.String(f, "name") : null);
                    item.Arguments.Append(function is { } fn ? DialectJson.String(fn, "arguments") : null);
                }
            }

            response.Finish(DialectJson.String(choices[0], "finish_reason"));
            response.Usage = DialectJson.Value(root, "usage") is { ValueKind: JsonValueKind.Object } usage ? usage : null;
            return response.ToJson();
        }
        catch (Exception ex) when (ex is JsonException or DialectRefusal)
        {
            return null;
        }
    }
}
