using System.Buffers;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Mock;

/// <summary>
/// The mock provider's streamed answer: its whole answer cut into the events an OpenAI upstream
/// sends — a first chunk with the role, one chunk per word, a last chunk with the finish reason,
/// the usage event when <c>stream_options.include_usage</c> is set, and <c>[DONE]</c>.
/// </summary>
public sealed class MockStream : IEventSource
{
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

        string Chunk(Action<Utf8JsonWriter>? delta, string? finish, bool withChoice = true) => Write(writer =>
        {
            writer.WriteString("id", id);
            writer.WriteString("object", chat ? "chat.completion.chunk" : "text_completion");
            writer.WriteNumber("created", created);
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            if (withChoice)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", 0);
                delta?.Invoke(writer);
                writer.WriteNull("logprobs");
                if (finish is null)
                {
                    writer.WriteNull("finish_reason");
                }
                else
                {
                    writer.WriteString("finish_reason", finish);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (!withChoice)
            {
                writer.WritePropertyName("usage");
                whole.GetProperty("usage").WriteTo(writer);
            }
            else if (includeUsage)
            {
                writer.WriteNull("usage");
            }
        });

        void Piece(string piece, string? role = null) => events.Enqueue(Chunk(writer =>
        {
            if (chat)
            {
                writer.WriteStartObject("delta");
                if (role is not null)
                {
                    writer.WriteString("role", role);
                }

                writer.WriteString("content", piece);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("text", piece);
            }
        }, null));

        if (chat)
        {
            Piece(string.Empty, "assistant");
        }

        foreach (var word in Words(text))
        {
            Piece(word);
        }

        events.Enqueue(Chunk(writer =>
        {
            if (chat)
            {
                writer.WriteStartObject("delta");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("text", string.Empty);
            }
        }, "stop"));
        if (includeUsage)
        {
            events.Enqueue(Chunk(null, null, withChoice: false));
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

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
