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
internal sealed class MockProvider(TimeProvider time)
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
        var choice = new MockChatChoice(0, new MockMessage("assistant", echo), null, "stop");
        return Ok(request, JsonSerializer.Serialize(
            new MockChatCompletion("chatcmpl-mock-" + request.RequestId.ToString("N"), "chat.completion", time.GetUtcNow().ToUnixTimeSeconds(), model, [choice], Usage(promptTokens, completionTokens)),
            MockJson.Gateway.MockChatCompletion));
    }

    private CompletionResult Text(SubmitCompletion request, JsonElement root, string model)
    {
        var prompt = root.TryGetProperty("prompt", out var p) ? PromptText(p) : string.Empty;
        var tokens = EstimateTokens(prompt);
        var choice = new MockTextChoice(prompt, 0, null, "stop");
        return Ok(request, JsonSerializer.Serialize(
            new MockTextCompletion("cmpl-mock-" + request.RequestId.ToString("N"), "text_completion", time.GetUtcNow().ToUnixTimeSeconds(), model, [choice], Usage(tokens, tokens)),
            MockJson.Gateway.MockTextCompletion));
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
        var data = inputs.Select((text, i) => new MockEmbedding("embedding", i, Vector(text, dimensions))).ToList();
        return Ok(request, JsonSerializer.Serialize(new MockEmbeddingList("list", data, model, new MockUsage(tokens, null, tokens)), MockJson.Gateway.MockEmbeddingList));
    }

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

    private static MockUsage Usage(int prompt, int completion) => new(prompt, completion, prompt + completion);

    private static CompletionResult Ok(SubmitCompletion request, string body) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, 200, body, null);

    private static CompletionResult Error(SubmitCompletion request, int status, string message) =>
        new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, status,
            JsonSerializer.Serialize(new MockError(new MockErrorDetail(message, "invalid_request_error", null, null)), MockJson.Gateway.MockError), null);
}
