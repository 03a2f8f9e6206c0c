using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Mock;

/// <summary>
/// The mock provider's streamed answer: its whole answer cut into the events an OpenAI upstream
/// sends — a first chunk with the role, one chunk per word, a last chunk with the finish reason,
/// the usage event when <c>stream_options.include_usage</c> is set, and <c>[DONE]</c>.
/// </summary>
internal sealed class MockStream : IEventSource
{
    /// <summary><c>"usage": null</c>, as each event but the last carries it when usage was asked for.</summary>
    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    private readonly Queue<string> _events;

    private MockStream(Queue<string> events)
    {
        _events = events;
    }

    /// <summary>Either the answer that ends the attempt at once (a refusal), or the events of the mock's answer.</summary>
    public static (CompletionResult? Refused, MockStream? Events) For(MockProvider mock, SubmitCompletion request)
    {
        var answer = mock.Answer(request);
        if (answer.StatusCode != 200 || request.Route == UpstreamRoute.Embeddings)
        {
            // A refusal, or an answer that has no stream form: it stands for the whole attempt.
            return (answer, null);
        }

        using var whole = JsonDocument.Parse(answer.Body);
        using var asked = JsonDocument.Parse(request.Body);
        var includeUsage = asked.RootElement.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
        return (null, new MockStream(Events(whole.RootElement, request.Route == UpstreamRoute.ChatCompletions, includeUsage)));
    }

    public IAsyncEnumerable<string> ReadEventsAsync(CancellationToken cancellationToken) => Drain(cancellationToken).ToAsyncEnumerable();

    private IEnumerable<string> Drain(CancellationToken cancellationToken)
    {
        while (_events.TryDequeue(out var data))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return data;
        }
    }

    public void Dispose()
    {
    }

    private static Queue<string> Events(JsonElement whole, bool chat, bool includeUsage)
    {
        var id = whole.GetProperty("id").GetString()!;
        var created = whole.GetProperty("created").GetInt64();
        var model = whole.GetProperty("model").GetString()!;
        var choice = whole.GetProperty("choices")[0];
        var text = chat ? choice.GetProperty("message").GetProperty("content").GetString()! : choice.GetProperty("text").GetString()!;
        var events = new Queue<string>();
        var kind = chat ? "chat.completion.chunk" : "text_completion";
        var pending = includeUsage ? Null : default;

        string Chunk(MockChunkChoice? choice, JsonElement usage) =>
            JsonSerializer.Serialize(new MockChunk(id, kind, created, model, choice is null ? [] : [choice], usage), MockJson.Gateway.MockChunk);

        void Piece(string piece, string? role = null) => events.Enqueue(Chunk(
            chat ? new MockChunkChoice(0, new MockDelta(role, piece), null, null, null) : new MockChunkChoice(0, null, piece, null, null), pending));

        if (chat)
        {
            Piece(string.Empty, "assistant");
        }

        foreach (var word in Words(text))
        {
            Piece(word);
        }

        events.Enqueue(Chunk(chat ? new MockChunkChoice(0, new MockDelta(null, null), null, null, "stop") : new MockChunkChoice(0, null, string.Empty, null, "stop"), pending));
        if (includeUsage)
        {
            events.Enqueue(Chunk(null, whole.GetProperty("usage").Clone()));
        }

        events.Enqueue("[DONE]");
        return events;
    }

    /// <summary>The text in pieces that join back to it exactly: each word with the space before it.</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}
