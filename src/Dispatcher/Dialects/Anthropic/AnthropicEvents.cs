using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Anthropic;

/// <summary>
/// Anthropic's stream as OpenAI's: <c>message_start</c> opens the assistant's turn,
/// <c>content_block_delta</c>s become content or tool-call argument deltas (a <c>tool_use</c>
/// block's start names the call), <c>message_delta</c> gives the <c>finish_reason</c>, and
/// <c>message_stop</c> the usage chunk (with every token counted, as for a whole answer) and
/// <c>[DONE]</c>. An <c>error</c> event fails the stream (<see cref="UpstreamStreamError"/>);
/// <c>ping</c>s and thinking deltas are not relayed.
/// </summary>
internal sealed class AnthropicEvents(IEventSource upstream, TimeProvider time) : IEventSource
{
    private const string ContentMark = "\"content\":\"\"";
    private readonly Dictionary<int, int> _toolCalls = [];
    private readonly HashSet<int> _argued = [];
    private (string Prefix, string Suffix)? _textChunk;
    private string _id = "msg";
    private string? _model;
    private long _created;
    private AnthropicAnswer.Usage _usage;

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in upstream.ReadEventsAsync(cancellationToken))
        {
            var (chunks, ended) = Translate(data);
            foreach (var chunk in chunks)
            {
                yield return chunk;
            }

            if (ended)
            {
                yield break;
            }
        }
    }

    public void Dispose() => upstream.Dispose();

    /// <summary>The OpenAI events for one Anthropic event, and whether the stream ends with it.</summary>
    internal (List<string> Chunks, bool Ended) Translate(string data)
    {
        var chunks = new List<string>(2);
        if (_textChunk is { } template && TextDeltaLiteral(data) is { IsEmpty: false } literal)
        {
            // Nearly every event of a stream is a text delta: its text goes over still escaped, unparsed.
            chunks.Add(string.Concat(template.Prefix, literal, template.Suffix));
            return (chunks, false);
        }

        using var document = JsonDocument.Parse(data);
        var e = document.RootElement;
        switch (DialectJson.String(e, "type"))
        {
            case "message_start" when DialectJson.Value(e, "message") is { } message:
                _id = DialectJson.String(message, "id") ?? _id;
                _model = DialectJson.String(message, "model");
                _created = time.GetUtcNow().ToUnixTimeSeconds();
                _textChunk = null;
                if (DialectJson.Value(message, "usage") is { } started)
                {
                    _usage = AnthropicAnswer.Usage.From(started);
                }

                chunks.Add(Chunk(static w =>
                {
                    w.WriteString("role", "assistant");
                    w.WriteString("content", string.Empty);
                }));
                break;
            case "content_block_start" when DialectJson.Value(e, "content_block") is { } block:
                var blockIndex = (int)DialectJson.Number(e, "index");
                if (DialectJson.String(block, "type") == "tool_use")
                {
                    var call = _toolCalls[blockIndex] = _toolCalls.Count;
                    var (id, name) = (DialectJson.String(block, "id"), DialectJson.String(block, "name"));
                    chunks.Add(Chunk(w => ToolCall(w, call, id, name, string.Empty)));
                }
                else if (DialectJson.String(block, "type") == "text" && DialectJson.String(block, "text") is { Length: > 0 } text)
                {
                    chunks.Add(Chunk(w => w.WriteString("content", text)));
                }

                break;
            case "content_block_delta" when DialectJson.Value(e, "delta") is { } delta:
                switch (DialectJson.String(delta, "type"))
                {
                    case "text_delta" when DialectJson.String(delta, "text") is { } text:
                        chunks.Add(TextChunk(text));
                        break;
                    case "input_json_delta" when _toolCalls.TryGetValue((int)DialectJson.Number(e, "index"), out var call):
                        var partial = DialectJson.String(delta, "partial_json") ?? string.Empty;
                        if (partial.Length > 0)
                        {
                            _argued.Add(call);
                        }

                        chunks.Add(Chunk(w => ToolCall(w, call, null, null, partial)));
                        break;
                }

                break;
            case "message_delta":
                if (DialectJson.Value(e, "usage") is { } usage)
                {
                    // Cumulative counts; the input side is there only in later API versions.
                    var more = AnthropicAnswer.Usage.From(usage);
                    _usage = new AnthropicAnswer.Usage(
                        Math.Max(_usage.Input, more.Input), Math.Max(_usage.Output, more.Output),
                        Math.Max(_usage.CacheRead, more.CacheRead), Math.Max(_usage.CacheWrite, more.CacheWrite));
                }

                if (DialectJson.Value(e, "delta") is { } end && DialectJson.String(end, "stop_reason") is { } stopReason)
                {
                    chunks.Add(Chunk(static _ => { }, AnthropicAnswer.FinishReason(stopReason)));
                }

                break;
            case "message_stop":
                chunks.Add(UsageChunk());
                chunks.Add("[DONE]");
                return (chunks, true);
            case "error":
                throw new UpstreamStreamError(DialectJson.Value(e, "error") is { } error ? DialectJson.String(error, "type") ?? "error" : "error");
            case "content_block_stop" when _toolCalls.TryGetValue((int)DialectJson.Number(e, "index"), out var finished) && !_argued.Contains(finished):
                // A tool call without arguments: "{}", as the whole answer has, so that clients can parse it.
                chunks.Add(Chunk(w => ToolCall(w, finished, null, null, "{}")));
                break;
        }

        return (chunks, false);
    }

    private static void ToolCall(Utf8JsonWriter writer, int index, string? id, string? name, string arguments)
    {
        writer.WriteStartArray("tool_calls");
        writer.WriteStartObject();
        writer.WriteNumber("index", index);
        if (id is not null)
        {
            writer.WriteString("id", id);
            writer.WriteString("type", "function");
        }

        writer.WriteStartObject("function");
        if (name is not null)
        {
            writer.WriteString("name", name);
        }

        writer.WriteString("arguments", arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>
    /// A content chunk: the one chunk of a stream that comes once per token, so it is written from
    /// the stream's own template (everything but the text stays the same) instead of by a writer.
    /// </summary>
    private const string TextDeltaHead = "{\"type\":\"content_block_delta\",\"index\":";
    private const string TextDeltaBody = ",\"delta\":{\"type\":\"text_delta\",\"text\":";

    /// <summary>
    /// The text of a text delta in Anthropic's own layout
    /// (<c>{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"…"}}</c>) as
    /// the JSON string literal it is, quotes included; null for any other event or layout, which is
    /// parsed instead.
    /// </summary>
    internal static ReadOnlySpan<char> TextDeltaLiteral(string data)
    {
        var span = data.AsSpan();
        if (!span.StartsWith(TextDeltaHead, StringComparison.Ordinal) || !span.EndsWith("\"}}", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = span[TextDeltaHead.Length..];
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
        {
            digits++;
        }

        rest = rest[digits..];
        if (digits == 0 || !rest.StartsWith(TextDeltaBody, StringComparison.Ordinal))
        {
            return null;
        }

        // The literal runs from its opening quote to the last but two character; no quote inside may be unescaped.
        var literal = rest[TextDeltaBody.Length..^2];
        if (literal.Length < 2 || literal[0] != '"')
        {
            return null;
        }

        var i = 1;
        while (i < literal.Length - 1)
        {
            if (literal[i] == '"' || literal[i] < ' ')
            {
                return null;
            }

            // An escape takes the next character with it: one that would take the closing quote leaves the literal open.
            i += literal[i] == '\\' ? 2 : 1;
        }

        return i == literal.Length - 1 ? literal : null;
    }

    private string TextChunk(string text)
    {
        if (_textChunk is not { } template)
        {
            var empty = Chunk(static w => w.WriteString("content", string.Empty));
            var at = empty.IndexOf(ContentMark, StringComparison.Ordinal);
            template = (empty[..(at + ContentMark.Length - 2)], empty[(at + ContentMark.Length)..]);
            _textChunk = template;
        }

        return string.Concat(template.Prefix, "\"", JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value, "\"", template.Suffix);
    }

    private string Chunk(Action<Utf8JsonWriter> delta, string? finishReason = null) =>
        DialectJson.Write((this, delta, finishReason), static (writer, s) =>
        {
            s.Item1.WriteHead(writer);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            s.delta(writer);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", s.finishReason);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private string UsageChunk() =>
        DialectJson.Write(this, static (writer, self) =>
        {
            self.WriteHead(writer);
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            AnthropicAnswer.WriteUsage(writer, self._usage);
            writer.WriteEndObject();
        });

    private void WriteHead(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("id", _id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", _created);
        writer.WriteString("model", _model);
    }
}
