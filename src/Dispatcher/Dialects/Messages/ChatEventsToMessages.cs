using System.Runtime.CompilerServices;
using System.Text.Json;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>
/// An OpenAI chat stream as Anthropic's event stream: <c>message_start</c> with the first chunk,
/// a text block (<c>content_block_start</c>, <c>text_delta</c>s, <c>content_block_stop</c>) for
/// the content, a <c>tool_use</c> block with <c>input_json_delta</c>s for each tool call, and at
/// the end <c>message_delta</c> (the stop reason and the usage the upstream reported, which it is
/// asked for) and <c>message_stop</c> — at <c>[DONE]</c>, or when the stream ends without one. An
/// error chunk fails the stream (<see cref="UpstreamStreamError"/>). The
/// data of each event carries its <c>type</c>; the ingress writes it as the event's name.
/// </summary>
internal sealed class ChatEventsToMessages(IEventSource upstream) : IEventSource, IReportsUsage
{
    private readonly Dictionary<int, int> _toolBlocks = [];
    private bool _started;
    private int _blocks;
    private int? _open;
    private bool _openIsText;
    private string _stopReason = "end_turn";
    private JsonElement? _usage;
    private string _id = "msg_gateway";
    private string? _model;

    public string? Usage { get; private set; }

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in upstream.ReadEventsAsync(cancellationToken))
        {
            if (data.AsSpan().Trim().SequenceEqual("[DONE]"))
            {
                // A stream that was only [DONE] relays nothing: it is no answer, and the ingress may fail over.
                foreach (var end in _started ? End() : [])
                {
                    yield return end;
                }

                yield break;
            }

            var (events, failed) = Translate(data);
            foreach (var e in events)
            {
                yield return e;
            }

            if (failed)
            {
                yield break;
            }
        }

        // An upstream that ends its stream without [DONE] (some servers do): the message still ends as Anthropic's do.
        if (_started)
        {
            foreach (var end in End())
            {
                yield return end;
            }
        }
    }

    public void Dispose() => upstream.Dispose();

    internal (List<string> Events, bool Failed) Translate(string data)
    {
        var events = new List<string>(3);
        using var document = JsonDocument.Parse(data);
        var chunk = document.RootElement;
        if (DialectJson.Value(chunk, "error") is { ValueKind: JsonValueKind.Object } error)
        {
            throw new UpstreamStreamError(DialectJson.String(error, "type") ?? DialectJson.String(error, "code") ?? "error");
        }

        if (!_started)
        {
            _started = true;
            _id = ChatToMessage.MessageId(DialectJson.String(chunk, "id"));
            _model = DialectJson.String(chunk, "model");
            events.Add(DialectJson.Write(this, static (w, self) =>
            {
                w.WriteStartObject();
                w.WriteString("type", "message_start");
                w.WriteStartObject("message");
                w.WriteString("id", self._id);
                w.WriteString("type", "message");
                w.WriteString("role", "assistant");
                w.WriteString("model", self._model);
                w.WriteStartArray("content");
                w.WriteEndArray();
                w.WriteNull("stop_reason");
                w.WriteNull("stop_sequence");
                ChatToMessage.WriteUsage(w, null);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
        }

        if (DialectJson.Value(chunk, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            _usage = usage.Clone();
            Usage = $"{{\"usage\":{usage.GetRawText()}}}";
        }

        if (DialectJson.Value(chunk, "choices") is not { ValueKind: JsonValueKind.Array } choices || choices.GetArrayLength() == 0)
        {
            return (events, false);
        }

        var choice = choices[0];
        if (DialectJson.String(choice, "finish_reason") is { } finish)
        {
            _stopReason = ChatToMessage.StopReason(finish);
        }

        if (DialectJson.Value(choice, "delta") is not { } delta)
        {
            return (events, false);
        }

        if (DialectJson.String(delta, "content") is { Length: > 0 } text)
        {
            if (_open is null || !_openIsText)
            {
                Close(events);
                Open(events, isText: true, id: null, name: null);
            }

            events.Add(Delta(_open!.Value, "text_delta", "text", text));
        }

        if (DialectJson.Value(delta, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = (int)DialectJson.Number(call, "index");
                var function = DialectJson.Value(call, "function");
                if (!_toolBlocks.TryGetValue(index, out var block))
                {
                    Close(events);
                    Open(events, isText: false, DialectJson.String(call, "id") ?? $"toolu_{index}", function is { } f ? DialectJson.String(f, "name") : null);
                    block = _toolBlocks[index] = _open!.Value;
                }

                if (function is { } fn && DialectJson.String(fn, "arguments") is { Length: > 0 } arguments)
                {
                    events.Add(Delta(block, "input_json_delta", "partial_json", arguments));
                }
            }
        }

        return (events, false);
    }

    /// <summary>The stream's last events: the open block closed, the stop reason and usage, <c>message_stop</c>.</summary>
    private List<string> End()
    {
        var events = new List<string>(3);
        Close(events);
        events.Add(DialectJson.Write(this, static (w, self) =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            // Some servers say "stop" after tool calls; an Anthropic client loops on tool_use.
            w.WriteString("stop_reason", self._toolBlocks.Count > 0 && self._stopReason == "end_turn" ? "tool_use" : self._stopReason);
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            ChatToMessage.WriteUsage(w, self._usage);
            w.WriteEndObject();
        }));
        events.Add("""{"type":"message_stop"}""");
        return events;
    }

    private void Open(List<string> events, bool isText, string? id, string? name)
    {
        var index = _blocks++;
        _open = index;
        _openIsText = isText;
        events.Add(DialectJson.Write((index, isText, id, name), static (w, b) =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", b.index);
            w.WriteStartObject("content_block");
            if (b.isText)
            {
                w.WriteString("type", "text");
                w.WriteString("text", string.Empty);
            }
            else
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", b.id);
                w.WriteString("name", b.name);
                w.WriteStartObject("input");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    private void Close(List<string> events)
    {
        if (_open is { } index)
        {
            events.Add($$"""{"type":"content_block_stop","index":{{index}}}""");
            _open = null;
        }
    }

    private static string Delta(int index, string type, string field, string value) =>
        DialectJson.Write((index, type, field, value), static (w, d) =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", d.index);
            w.WriteStartObject("delta");
            w.WriteString("type", d.type);
            w.WriteString(d.field, d.value);
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
