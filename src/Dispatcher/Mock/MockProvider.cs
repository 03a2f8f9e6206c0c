using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Dispatcher.Mock;

/// <summary>
/// The built-in provider behind <c>mock://</c> entries: no network, no key. A chat completion echoes
/// the last user message, a text completion echoes the prompt, an embedding is a deterministic unit
/// vector derived from the input. Usage counts are estimated as an upstream would report them.
/// </summary>
public sealed class MockProvider(TimeProvider time)
{
    private const int DefaultDimensions = 64;

    public CompletionResult Answer(SubmitCompletion request)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            return Error(request, 400, "The request body is not valid JSON.");
        }

        using (document)
        {
            try
            {
                var root = document.RootElement;
                var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "mock";
                return request.Route switch
                {
                    UpstreamRoute.ChatCompletions => Chat(request, root, model),
                    UpstreamRoute.Completions => Text(request, root, model),
                    UpstreamRoute.Embeddings => Embeddings(request, root, model),
                    _ => Error(request, 404, "The mock provider does not serve this route."),
                };
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate is valid JSON but cannot be read as a string; a real upstream refuses it too.
                return Error(request, 400, "The request contains a string that is not valid Unicode.");
            }
        }
    }

    private CompletionResult Chat(SubmitCompletion request, JsonElement root, string model)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return Error(request, 400, "'messages' must be an array.");
        }

        var promptTokens = 0;
        var echo = string.Empty;
        foreach (var message in messages.EnumerateArray())
        {
            var content = ContentText(message);
            promptTokens += 4 + EstimateTokens(content);
            if (message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user")
            {
                echo = content;
            }
        }

        promptTokens += 3;
        var completionTokens = EstimateTokens(echo);
        return Ok(request, writer =>
        {
            writer.WriteString("id", "chatcmpl-mock-" + request.RequestId.ToString("N"));
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            writer.WriteString("content", echo);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", "stop");
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, promptTokens, completionTokens);
        });
    }

    private CompletionResult Text(SubmitCompletion request, JsonElement root, string model)
    {
        var prompt = root.TryGetProperty("prompt", out var p) ? PromptText(p) : string.Empty;
        var tokens = EstimateTokens(prompt);
        return Ok(request, writer =>
        {
            writer.WriteString("id", "cmpl-mock-" + request.RequestId.ToString("N"));
            writer.WriteString("object", "text_completion");
            writer.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteString("text", prompt);
            writer.WriteNumber("index", 0);
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", "stop");
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, tokens, tokens);
        });
    }

    private static CompletionResult Embeddings(SubmitCompletion request, JsonElement root, string model)
    {
        if (!root.TryGetProperty("input", out var input))
        {
            return Error(request, 400, "'input' is required.");
        }

        string[] inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(i => i.ValueKind == JsonValueKind.String) => input.EnumerateArray().Select(i => i.GetString()!).ToArray(),
            _ => [input.GetRawText()],
        };
        var dimensions = root.TryGetProperty("dimensions", out var d) && d.TryGetInt32(out var n) && n is > 0 and <= 4096 ? n : DefaultDimensions;
        var tokens = inputs.Sum(EstimateTokens);
        return Ok(request, writer =>
        {
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < inputs.Length; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                writer.WriteStartArray("embedding");
                foreach (var value in Vector(inputs[i], dimensions))
                {
                    writer.WriteNumberValue(value);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
        });
    }

    /// <summary>A unit vector seeded by the SHA-256 of the text: the same text always gets the same vector.</summary>
    internal static float[] Vector(string text, int dimensions)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var vector = new float[dimensions];
        var block = seed;
        for (var i = 0; i < dimensions; i++)
        {
            if (i > 0 && i % 16 == 0)
            {
                block = SHA256.HashData(block);
            }

            vector[i] = (BitConverter.ToUInt16(block, (i % 16) * 2) / 32767.5f) - 1f;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = norm > 0 ? vector[i] / norm : 0;
        }

        return vector;
    }

    /// <summary>About four characters a token, as OpenAI's tokenizers average on English text.</summary>
    internal static int EstimateTokens(string text) => text.Length == 0 ? 0 : Math.Max(1, (text.Length + 3) / 4);

    private static string ContentText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return string.Empty;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => string.Join("\n", content.EnumerateArray()
                .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(part => part.GetProperty("text").GetString())),
            _ => string.Empty,
        };
    }

    private static string PromptText(JsonElement prompt) => prompt.ValueKind switch
    {
        JsonValueKind.String => prompt.GetString()!,
        JsonValueKind.Array => string.Join("\n", prompt.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString())),
        _ => string.Empty,
    };

    private static void WriteUsage(Utf8JsonWriter writer, int prompt, int completion)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", prompt);
        writer.WriteNumber("completion_tokens", completion);
        writer.WriteNumber("total_tokens", prompt + completion);
        writer.WriteEndObject();
    }

    private static CompletionResult Ok(SubmitCompletion request, Action<Utf8JsonWriter> body) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, 200, Write(body), null);

    private static CompletionResult Error(SubmitCompletion request, int status, string message) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, status, Write(writer =>
        {
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", "invalid_request_error");
            writer.WriteNull("param");
            writer.WriteNull("code");
            writer.WriteEndObject();
        }), null);

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
