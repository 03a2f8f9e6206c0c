using System.Text.Json;
using System.Text.Json.Serialization;

namespace BrokerGateway.Dispatcher.Mock;

// The mock provider's answers, in OpenAI's shapes (what an upstream sends, so snake_case names and
// nulls written where OpenAI writes them).

internal sealed record MockUsage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CompletionTokens,
    [property: JsonPropertyName("total_tokens")] int TotalTokens);

internal sealed record MockMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

internal sealed record MockChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] MockMessage Message,
    [property: JsonPropertyName("logprobs")] object? Logprobs,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

internal sealed record MockChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<MockChatChoice> Choices,
    [property: JsonPropertyName("usage")] MockUsage Usage);

internal sealed record MockTextChoice(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("logprobs")] object? Logprobs,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

internal sealed record MockTextCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<MockTextChoice> Choices,
    [property: JsonPropertyName("usage")] MockUsage Usage);

internal sealed record MockEmbedding(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("embedding")] float[] Embedding);

internal sealed record MockEmbeddingList(
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("data")] IReadOnlyList<MockEmbedding> Data,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("usage")] MockUsage Usage);

/// <summary>A chat chunk's <c>delta</c>: the role in the first, the content in each, neither in the last (<c>{}</c>).</summary>
internal sealed record MockDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

/// <summary>A chunk's choice: a <c>delta</c> for chat, a <c>text</c> piece for a completion.</summary>
internal sealed record MockChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MockDelta? Delta,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text,
    [property: JsonPropertyName("logprobs")] object? Logprobs,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

/// <summary>
/// One streamed event. <see cref="Usage"/> has three states, as OpenAI sends them: absent (usage
/// not asked for), <c>null</c> (asked, not yet), the usage object (the last event).
/// </summary>
internal sealed record MockChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Kind,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<MockChunkChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] JsonElement Usage);

internal sealed record MockErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

internal sealed record MockError([property: JsonPropertyName("error")] MockErrorDetail Error);
