using System.Text.Json;

namespace BrokerGateway.Ingress.Usage;

/// <summary>The token counts of an answer's <c>usage</c> object, in OpenAI's or Anthropic's names; zero where absent.</summary>
internal static class UsageTokens
{
    public static (int Prompt, int Completion, int Total) From(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("usage", out var usage)
                || usage.ValueKind != JsonValueKind.Object)
            {
                return (0, 0, 0);
            }

            // OpenAI's names; Anthropic's (the Messages API) count the cache's tokens apart from the rest of the input.
            var prompt = usage.TryGetProperty("input_tokens", out _) && !usage.TryGetProperty("prompt_tokens", out _)
                ? Number(usage, "input_tokens") + Number(usage, "cache_read_input_tokens") + Number(usage, "cache_creation_input_tokens")
                : Number(usage, "prompt_tokens");
            var completion = usage.TryGetProperty("output_tokens", out _) && !usage.TryGetProperty("completion_tokens", out _)
                ? Number(usage, "output_tokens")
                : Number(usage, "completion_tokens");
            var total = Number(usage, "total_tokens");
            return (prompt, completion, total == 0 ? prompt + completion : total);
        }
        catch (JsonException)
        {
            return (0, 0, 0);
        }
    }

    private static int Number(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) && number >= 0 ? number : 0;
}
