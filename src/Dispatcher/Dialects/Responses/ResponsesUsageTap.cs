using System.Runtime.CompilerServices;
using System.Text.Json;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Responses;

/// <summary>
/// A Responses API stream relayed as it came, its usage read from the event that ends it
/// (<c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>, whose
/// <c>response.usage</c> has <c>input_tokens</c> and <c>output_tokens</c>), and the response's
/// id with it, so that the ingress can remember which endpoint holds a stored response
/// (<c>{"usage": …, "id": "resp_…"}</c>, with <c>"store": false</c> when it is not stored).
/// </summary>
internal sealed class ResponsesUsageTap(IEventSource upstream) : IEventSource, IReportsUsage
{
    public string? Usage { get; private set; }

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in upstream.ReadEventsAsync(cancellationToken))
        {
            if (data.Contains("\"response\"", StringComparison.Ordinal) && data.Contains("\"response.", StringComparison.Ordinal))
            {
                Read(data);
            }

            yield return data;
        }
    }

    public void Dispose() => upstream.Dispose();

    private void Read(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            if (DialectJson.String(document.RootElement, "type") is "response.created" or "response.completed" or "response.incomplete" or "response.failed"
                && DialectJson.Value(document.RootElement, "response") is { ValueKind: JsonValueKind.Object } response)
            {
                Usage = DialectJson.Write(response, static (w, r) =>
                {
                    w.WriteStartObject();
                    w.WritePropertyName("usage");
                    if (DialectJson.Value(r, "usage") is { ValueKind: JsonValueKind.Object } usage)
                    {
                        usage.WriteTo(w);
                    }
                    else
                    {
                        w.WriteNullValue();
                    }

                    if (DialectJson.String(r, "id") is { } id)
                    {
                        w.WriteString("id", id);
                    }

                    if (DialectJson.Value(r, "store") is { ValueKind: JsonValueKind.False })
                    {
                        w.WriteBoolean("store", false);
                    }

                    w.WriteEndObject();
                });
            }
        }
        catch (Exception ex) when (ex is JsonException or DialectRefusal)
        {
            // Not for the tap to judge: the caller gets the event as it came.
        }
    }
}
