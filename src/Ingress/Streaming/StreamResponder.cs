using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Ingress.Streaming;

/// <summary>
/// Writes a streamed answer as server-sent events: each upstream event as the same
/// <c>data: …</c> line, flushed as it is ready, then <c>data: [DONE]</c> — or, if the stream breaks
/// off, an error event in OpenAI's shape and no <c>[DONE]</c>. While nothing comes, a
/// <c>: keep-alive</c> comment goes out every <c>Streaming:KeepAliveSeconds</c>, so proxies in
/// between keep the connection; a wait for the first token that long starts the response early.
/// </summary>
internal sealed class StreamResponder(IOptions<StreamingOptions> options, TimeProvider time)
{
    /// <summary>How much longer than the dispatcher the ingress waits on a silent stream, so the dispatcher's own report comes first.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The longest an error event may take to write to a caller who reads too slowly.</summary>
    private static readonly TimeSpan LastWords = TimeSpan.FromSeconds(1);

    /// <summary>Events ready at once are written together, but never more than this before a flush waits for the caller.</summary>
    private const int FlushAfterBytes = 16 * 1024;

    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Waits for routing to settle, sending keep-alive comments (and so starting the response) once that takes long.</summary>
    public async Task<T> AwaitRoutingAsync<T>(HttpResponse response, Task<T> routing, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);
        while (true)
        {
            try
            {
                // Routing watches the caller's token itself and ends with it.
                return await routing.WaitAsync(interval, time, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                Start(response);
                try
                {
                    await response.BodyWriter.WriteAsync(KeepAlive, cancellationToken);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The caller is gone. Routing sees it too and ends; waiting for it means a
                    // stream it hands over is still ended (and its upstream call aborted) by the caller.
                }
            }
        }
    }

    /// <summary>
    /// Makes the response an event stream: status 200 and the headers that keep proxies from
    /// buffering it. They go out with the first flush, in the same packet as the first event.
    /// </summary>
    public static void Start(HttpResponse response)
    {
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>
    /// Relays a begun stream until it ends, its deadline passes, it stays silent too long, or the
    /// caller reads too slowly; returns the dispatcher's result (the usage) and the error the
    /// stream ended with, if any. The caller leaving ends it with an <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<(CompletionResult? End, ApiError? Error)> RelayAsync(
        HttpResponse response, StreamBuffer buffer, string endpointId, DateTimeOffset deadline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var reader = buffer.Ready;
        var idle = TimeSpan.FromSeconds(o.IdleTimeoutSeconds) + Grace;
        var keepAlive = TimeSpan.FromSeconds(o.KeepAliveSeconds);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, buffer.Overflowed);
        var token = linked.Token;
        var named = NamedEvents(response.HttpContext.Request.Path);
        Start(response);
        var lastEvent = time.GetUtcNow();
        var lastWrite = lastEvent;
        try
        {
            while (true)
            {
                var wrote = false;
                while (reader.TryRead(out var events))
                {
                    foreach (var data in events)
                    {
                        WriteEvent(response.BodyWriter, data, named);
                    }

                    buffer.Written(events);
                    wrote = true;
                    if (response.BodyWriter.UnflushedBytes >= FlushAfterBytes)
                    {
                        // What a slow reader has not taken waits in the buffer, where it counts against the bound.
                        await response.BodyWriter.FlushAsync(token);
                    }
                }

                if (wrote)
                {
                    await response.BodyWriter.FlushAsync(token);
                    lastEvent = lastWrite = time.GetUtcNow();
                }

                if (reader.Completion.IsCompleted)
                {
                    break;
                }

                var now = time.GetUtcNow();
                if (now >= deadline)
                {
                    return await EndWithAsync(response, null, ApiErrors.StreamDeadline(timeout), cancellationToken);
                }

                if (now - lastEvent >= idle)
                {
                    return await EndWithAsync(response, null, ApiErrors.StreamIdle(o.IdleTimeoutSeconds), cancellationToken);
                }

                var wait = Min(Min(keepAlive - (now - lastWrite), idle - (now - lastEvent)), deadline - now);
                if (!await WaitForEventsAsync(reader, wait, token) && time.GetUtcNow() - lastWrite >= keepAlive)
                {
                    await response.BodyWriter.WriteAsync(KeepAlive, token);
                    lastWrite = time.GetUtcNow();
                }
            }

            await reader.Completion;
        }
        catch (Exception ex) when (ex is StreamOverflowException || (buffer.IsOverflowed && ex is OperationCanceledException or ChannelClosedException))
        {
            return await EndWithAsync(response, null, ApiErrors.StreamBacklog(options.Value.MaxBufferBytes), cancellationToken);
        }

        var end = buffer.End!;
        if (end.Outcome == CompletionOutcome.Answered)
        {
            // Anthropic's streams end with message_stop, the Responses API's with response.completed; chat's with [DONE].
            if (!named)
            {
                await response.BodyWriter.WriteAsync(Done, cancellationToken);
            }

            await response.BodyWriter.FlushAsync(cancellationToken);
            return (end, null);
        }

        var error = end.Outcome == CompletionOutcome.TimedOut
            ? time.GetUtcNow() >= deadline - Grace ? ApiErrors.StreamDeadline(timeout) : ApiErrors.StreamIdle(o.IdleTimeoutSeconds)
            : ApiErrors.StreamBrokenOff(endpointId, end.Detail);
        return await EndWithAsync(response, end, error, cancellationToken);
    }

    /// <summary>Ends a stream with an error event (<c>data: {"error": …}</c>), giving a slow reader a moment to take it.</summary>
    public static async Task<(CompletionResult? End, ApiError? Error)> EndWithAsync(HttpResponse response, CompletionResult? end, ApiError error, CancellationToken cancellationToken)
    {
        Start(response);
        using var lastWords = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lastWords.CancelAfter(LastWords);
        try
        {
            var path = response.HttpContext.Request.Path;
            var words = ApiError.SpeaksAnthropic(path) ? error.ToAnthropicJson() : NamedEvents(path) ? error.ToResponsesEventJson() : error.ToJson();
            WriteEvent(response.BodyWriter, words, NamedEvents(path));

            await response.BodyWriter.FlushAsync(lastWords.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The caller does not read: the stream ends without its last words.
        }

        return (end, error);
    }

    /// <summary>Writes a body the upstream sent whole (an upstream that does not stream, or its refusal) as one event.</summary>
    public static async Task WriteWholeAsync(HttpResponse response, string body, bool done, CancellationToken cancellationToken)
    {
        var named = NamedEvents(response.HttpContext.Request.Path);
        WriteEvent(response.BodyWriter, body, named);
        if (done && !named)
        {
            await response.BodyWriter.WriteAsync(Done, cancellationToken);
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>Whether events are ready before <paramref name="wait"/> has passed.</summary>
    private static async Task<bool> WaitForEventsAsync(ChannelReader<IReadOnlyList<string>> reader, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return false;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(wait);
        try
        {
            await reader.WaitToReadAsync(timer.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// One event: each line of its data as a <c>data:</c> line, then a blank line. For a Messages or
    /// Responses stream, an <c>event:</c> line first, naming the event by its data's <c>type</c>,
    /// as Anthropic's and OpenAI's streams of those APIs do and their SDKs expect.
    /// </summary>
    private static void WriteEvent(PipeWriter writer, string data, bool named)
    {
        if (named && EventName(data) is { } name)
        {
            writer.Write("event: "u8);
            var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(name.Length) + 1);
            var length = Encoding.UTF8.GetBytes(name, span);
            span[length] = (byte)'\n';
            writer.Advance(length + 1);
        }

        var rest = data.AsSpan();
        while (true)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            writer.Write("data: "u8);
            var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 1);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\n';
            writer.Advance(written + 1);
            if (end < 0)
            {
                break;
            }

            rest = rest[(end + 1)..];
        }

        writer.Write("\n"u8);
    }

    /// <summary>Whether a route's stream names its events (<c>event: …</c>) by their data's <c>type</c>: Anthropic's Messages API and OpenAI's Responses API; chat's streams do not.</summary>
    public static bool NamedEvents(PathString path) =>
        ApiError.SpeaksAnthropic(path) || (path.Value is { } value && value.EndsWith("/responses", StringComparison.Ordinal));

    /// <summary>An Anthropic event's <c>type</c>: read from its start, where Anthropic and the dispatcher put it, else by parsing.</summary>
    private static string? EventName(string data)
    {
        const string Start = "{\"type\":\"";
        if (data.StartsWith(Start, StringComparison.Ordinal) && data.IndexOf('"', Start.Length) is > 0 and var end)
        {
            return data[Start.Length..end];
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() is { } text && !text.Any(char.IsControl) ? text : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
