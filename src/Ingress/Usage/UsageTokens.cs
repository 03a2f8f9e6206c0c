using System.Text.Json;

namespace BrokerGateway.Ingress.Usage;

/// <summary>The token counts of an OpenAI-shaped answer's <c>usage</c> object; zero where absent.</summary>
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

            var prompt = Number(usage, "prompt_tokens");
            var completion = Number(usage, "completion_tokens");
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
