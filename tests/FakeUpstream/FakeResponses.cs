using System.Text.Json;

namespace BrokerGateway.FakeUpstream;

/// <summary>Realistic OpenAI-shaped answers for each route.</summary>
public static class FakeResponses
{
    public const string ChatContent = "Hello from the fake upstream.";

    public static string For(string path, string? model)
    {
        var name = JsonSerializer.Serialize(model ?? "fake-model");
        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            return $$$"""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}],"model":{{{name}}},"usage":{"prompt_tokens":3,"total_tokens":3}}""";
        }

        if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            return $$$"""{"id":"resp_fake","object":"response","created_at":1700000000,"status":"completed","model":{{{name}}},"output":[{"type":"message","id":"msg_fake","status":"completed","role":"assistant","content":[{"type":"output_text","text":"{{{ChatContent}}}","annotations":[]}]}],"usage":{"input_tokens":9,"output_tokens":7,"total_tokens":16}}""";
        }

        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return $$$"""{"id":"chatcmpl-fake","object":"chat.completion","created":1700000000,"model":{{{name}}},"choices":[{"index":0,"message":{"role":"assistant","content":"{{{ChatContent}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}""";
        }

        return $$$"""{"id":"cmpl-fake","object":"text_completion","created":1700000000,"model":{{{name}}},"choices":[{"text":"{{{ChatContent}}}","index":0,"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""";
    }

    public static string Error(int status) =>
        $$$"""{"error":{"message":"fake upstream error {{{status}}}","type":"{{{(status >= 500 ? "server_error" : "invalid_request_error")}}}","param":null,"code":"fake_{{{status}}}"}}""";
}
