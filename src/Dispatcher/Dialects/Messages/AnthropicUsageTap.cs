using System.Runtime.CompilerServices;
using System.Text.Json;
using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>
/// An Anthropic stream relayed as it came (to a caller of <c>/v1/messages</c>), its usage read on
/// the way: the input side from <c>message_start</c>, the output from <c>message_delta</c>. Every
/// event is relayed — pings and thinking included — since the caller speaks the same dialect.
/// </summary>
internal sealed class AnthropicUsageTap(IEventSource upstream) : IEventSource, IReportsUsage
{
    private long _input;
    private long _output;
    private long _cacheRead;
    private long _cacheWrite;

    public string? Usage { get; private set; }

    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in upstream.ReadEventsAsync(cancellationToken))
        {
            if (data.Contains("\"usage\"", StringComparison.Ordinal))
            {
                Read(data);
            }
            else if (data.StartsWith("{\"type\":\"error\"", StringComparison.Ordinal))
            {
                // Anthropic reports overload after a 200 this way: a failed stream, not a relayed event.
                throw new UpstreamStreamError(ErrorType(data));
            }

            yield return data;
        }
    }

    public void Dispose() => upstream.Dispose();

    private static string ErrorType(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return DialectJson.Value(document.RootElement, "error") is { } error ? DialectJson.String(error, "type") ?? "error" : "error";
        }
        catch (Exception ex) when (ex is JsonException or DialectRefusal)
        {
            return "error";
        }
    }

    private void Read(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            var usage = DialectJson.String(root, "type") switch
            {
                "message_start" => DialectJson.Value(root, "message") is { } message ? DialectJson.Value(message, "usage") : null,
                "message_delta" => DialectJson.Value(root, "usage"),
                _ => null,
            };
            if (usage is not { ValueKind: JsonValueKind.Object } u)
            {
                return;
            }

            // Counts are cumulative; message_delta has the input side only in later API versions.
            _input = Math.Max(_input, DialectJson.Number(u, "input_tokens"));
            _output = Math.Max(_output, DialectJson.Number(u, "output_tokens"));
            _cacheRead = Math.Max(_cacheRead, DialectJson.Number(u, "cache_read_input_tokens"));
            _cacheWrite = Math.Max(_cacheWrite, DialectJson.Number(u, "cache_creation_input_tokens"));
            Usage = $$"""{"usage":{"input_tokens":{{_input}},"output_tokens":{{_output}},"cache_read_input_tokens":{{_cacheRead}},"cache_creation_input_tokens":{{_cacheWrite}}}""" + "}";
        }
        catch (Exception ex) when (ex is JsonException or DialectRefusal)
        {
            // Not for the tap to judge: the caller gets the event as it came.
        }
    }
}
