using System.Runtime.CompilerServices;
using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// An OpenAI chat stream as the Responses API's typed events, in the order OpenAI sends them:
/// <c>response.created</c> and <c>response.in_progress</c> with the first chunk; for the text, a
/// message item (<c>response.output_item.added</c>, <c>response.content_part.added</c>,
/// <c>response.output_text.delta</c>s); for each tool call, a <c>function_call</c> item with
/// <c>response.function_call_arguments.delta</c>s; at the end each item's <c>…done</c> events and
/// <c>response.completed</c> (or <c>response.incomplete</c>) with the whole response and its usage
/// — at <c>[DONE]</c>, or when the stream ends without one. Every event carries a
/// <c>sequence_number</c>; an error chunk fails the stream (<see cref="UpstreamStreamError"/>).
/// </summary>
internal sealed class ChatEventsToResponses(IEventSource upstream, TimeProvider time) : IEventSource, IReportsUsage
{
    private readonly Dictionary<int, TranslatedResponse.Item> _calls = [];
    private TranslatedResponse? _response;
    private TranslatedResponse.Item? _message;
    private string? _finish;
    private int _sequence;

    public string? Usage { get; private set; }

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in upstream.ReadEventsAsync(cancellationToken))
        {
            if (data.AsSpan().Trim().SequenceEqual("[DONE]"))
            {
                break;
            }

            foreach (var e in Translate(data))
            {
                yield return e;
            }
        }

        // A stream that was only [DONE] relays nothing: it is no answer, and the ingress may fail over.
        if (_response is not null)
        {
            foreach (var end in End())
            {
                yield return end;
            }
        }
    }

    public void Dispose() => upstream.Dispose();

    internal List<string> Translate(string data)
    {
        var events = new List<string>(2);
        using var document = JsonDocument.Parse(data);
        var chunk = document.RootElement;
        if (DialectJson.Value(chunk, "error") is { ValueKind: JsonValueKind.Object } error)
        {
            throw new UpstreamStreamError(DialectJson.String(error, "type") ?? DialectJson.String(error, "code") ?? "error");
        }

        if (_response is null)
        {
            var created = DialectJson.Number(chunk, "created");
            _response = new TranslatedResponse(TranslatedResponse.NewId("resp"), created > 0 ? created : time.GetUtcNow().ToUnixTimeSeconds(), DialectJson.String(chunk, "model"));
            events.Add(WithResponse("response.created"));
            events.Add(WithResponse("response.in_progress"));
        }

        if (DialectJson.Value(chunk, "usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            _response.Usage = usage.Clone();
            Usage = $"{{\"usage\":{usage.GetRawText()}}}";
        }

        if (DialectJson.Value(chunk, "choices") is not { ValueKind: JsonValueKind.Array } choices || choices.GetArrayLength() == 0)
        {
            return events;
        }

        var choice = choices[0];
        if (DialectJson.String(choice, "finish_reason") is { } finish)
        {
            _finish = finish;
        }

        if (DialectJson.Value(choice, "delta") is not { } delta)
        {
            return events;
        }

        if (DialectJson.String(delta, "content") is { Length: > 0 } text)
        {
            var message = Message(events);
            message.Text.Append(text);
            events.Add(Event("response.output_text.delta", (Item: message, text), static (w, s) =>
            {
                w.WriteString("item_id", s.Item.Id);
                w.WriteNumber("content_index", 0);
                w.WriteString("delta", s.text);
                w.WriteStartArray("logprobs");
                w.WriteEndArray();
            }, message));
        }

        if (DialectJson.String(delta, "refusal") is { Length: > 0 } refusal)
        {
            var message = Message(events);
            message.Refusal += refusal;
            events.Add(Event("response.refusal.delta", (Item: message, refusal), static (w, s) =>
            {
                w.WriteString("item_id", s.Item.Id);
                w.WriteNumber("content_index", 0);
                w.WriteString("delta", s.refusal);
            }, message));
        }

        if (DialectJson.Value(delta, "tool_calls") is { ValueKind: JsonValueKind.Array } calls)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = (int)DialectJson.Number(call, "index");
                var function = DialectJson.Value(call, "function");
                if (!_calls.TryGetValue(index, out var item))
                {
                    item = _calls[index] = _response.Add("function_call", "fc", DialectJson.String(call, "id") ?? $"call_{index}", function is { } f ? DialectJson.String(f, "name") : null);
                    events.Add(Added(item));
                }

                if (function is { } fn && DialectJson.String(fn, "arguments") is { Length: > 0 } arguments)
                {
                    item.Arguments.Append(arguments);
                    events.Add(Event("response.function_call_arguments.delta", (Item: item, arguments), static (w, s) =>
                    {
                        w.WriteString("item_id", s.Item.Id);
                        w.WriteString("delta", s.arguments);
                    }, item));
                }
            }
        }

        return events;
    }

    /// <summary>The message item the text goes into, opened (item and content part) with its first delta.</summary>
    private TranslatedResponse.Item Message(List<string> events)
    {
        if (_message is { } open)
        {
            return open;
        }

        _message = _response!.Add("message", "msg");
        events.Add(Added(_message));
        events.Add(Event("response.content_part.added", _message, static (w, item) =>
        {
            w.WriteString("item_id", item.Id);
            w.WriteNumber("content_index", 0);
            w.WritePropertyName("part");
            w.WriteStartObject();
            w.WriteString("type", "output_text");
            w.WriteString("text", string.Empty);
            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteEndObject();
        }, _message));
        return _message;
    }

    /// <summary>The stream's last events: each item done, then the response with its status and usage.</summary>
    private List<string> End()
    {
        var response = _response!;
        var events = new List<string>();
        foreach (var item in response.Output)
        {
            item.Done = true;
            if (item.Type == "message")
            {
                if (item.Refusal is null)
                {
                    events.Add(Event("response.output_text.done", item, static (w, i) =>
                    {
                        w.WriteString("item_id", i.Id);
                        w.WriteNumber("content_index", 0);
                        w.WriteString("text", i.Text.ToString());
                        w.WriteStartArray("logprobs");
                        w.WriteEndArray();
                    }, item));
                }
                else
                {
                    events.Add(Event("response.refusal.done", item, static (w, i) =>
                    {
                        w.WriteString("item_id", i.Id);
                        w.WriteNumber("content_index", 0);
                        w.WriteString("refusal", i.Refusal);
                    }, item));
                }

                events.Add(Event("response.content_part.done", item, static (w, i) =>
                {
                    w.WriteString("item_id", i.Id);
                    w.WriteNumber("content_index", 0);
                    w.WritePropertyName("part");
                    TranslatedResponse.WritePart(w, i);
                }, item));
            }
            else
            {
                events.Add(Event("response.function_call_arguments.done", item, static (w, i) =>
                {
                    w.WriteString("item_id", i.Id);
                    w.WriteString("arguments", i.Arguments.Length == 0 ? "{}" : i.Arguments.ToString());
                }, item));
            }

            events.Add(Event("response.output_item.done", item, static (w, i) =>
            {
                w.WritePropertyName("item");
                TranslatedResponse.WriteItem(w, i, done: true);
            }, item));
        }

        response.Finish(_finish);
        events.Add(WithResponse(response.Status == "incomplete" ? "response.incomplete" : "response.completed"));
        return events;
    }

    private string Added(TranslatedResponse.Item item) => Event("response.output_item.added", item, static (w, i) =>
    {
        w.WritePropertyName("item");
        TranslatedResponse.WriteItem(w, i, done: false);
    }, item);

    private string WithResponse(string type) => Event(type, _response!, static (w, r) =>
    {
        w.WritePropertyName("response");
        r.Write(w);
    });

    /// <summary>One event: its type and sequence number, the item's output index when it is about one, then its own fields.</summary>
    private string Event<TState>(string type, TState state, Action<Utf8JsonWriter, TState> fields, TranslatedResponse.Item? about = null) =>
        DialectJson.Write((self: this, type, state, fields, about), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("type", s.type);
            w.WriteNumber("sequence_number", s.self._sequence++);
            if (s.about is { } item)
            {
                w.WriteNumber("output_index", s.self._response!.Output.IndexOf(item));
            }

            s.fields(w, s.state);
            w.WriteEndObject();
        });
}
