using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// How the fake upstream streams (<c>"stream": true</c>), set per request in the <c>"fake"</c>
/// object: <c>chunks</c> content events (default 5), <c>first_chunk_delay_ms</c> before the first,
/// <c>chunk_delay_ms</c> between the others, <c>fail_after_chunks</c> to drop the connection after
/// that many, <c>chunk_bytes</c> to pad each chunk's content to about that size, and <c>tag</c> to
/// mark the content as this request's (so streams mixed up would show). The events
/// are OpenAI's: content chunks, a last chunk with the finish reason, the usage event when
/// <c>stream_options.include_usage</c> is set, and <c>[DONE]</c>.
/// </summary>
public sealed record FakeStream(int Chunks = 5, TimeSpan FirstChunkDelay = default, TimeSpan ChunkDelay = default, int? FailAfterChunks = null, int ChunkBytes = 0, string Tag = "tok")
{
    public const int PromptTokens = 9;

    /// <summary>The <c>data</c> of content event <paramref name="index"/>: what a client must receive unchanged.</summary>
    public string ContentEvent(string model, int index) =>
        Chunk(model, $$"""{"index":0,"delta":{"content":{{JsonSerializer.Serialize(Content(index))}}},"finish_reason":null}""");

    /// <summary>Every content event and the finish event, in order: the stream as a client that did not ask for usage sees it.</summary>
    public IEnumerable<string> ClientEvents(string model) =>
        Enumerable.Range(0, Chunks).Select(i => ContentEvent(model, i)).Append(FinishEvent(model));

    public string FinishEvent(string model) => Chunk(model, """{"index":0,"delta":{},"finish_reason":"stop"}""");

    public string UsageEvent(string model) =>
        $$$"""{"id":"chatcmpl-fake-stream","object":"chat.completion.chunk","created":1700000000,"model":{{{JsonSerializer.Serialize(model)}}},"choices":[],"usage":{"prompt_tokens":{{{PromptTokens}}},"completion_tokens":{{{Chunks}}},"total_tokens":{{{PromptTokens + Chunks}}}}}""";

    public static FakeStream From(JsonElement fake)
    {
        var stream = new FakeStream();
        if (fake.ValueKind != JsonValueKind.Object)
        {
            return stream;
        }

        int? Number(string name) => fake.TryGetProperty(name, out var value) && value.TryGetInt32(out var n) ? n : null;
        return stream with
        {
            Chunks = Number("chunks") ?? stream.Chunks,
            FirstChunkDelay = TimeSpan.FromMilliseconds(Number("first_chunk_delay_ms") ?? 0),
            ChunkDelay = TimeSpan.FromMilliseconds(Number("chunk_delay_ms") ?? 0),
            FailAfterChunks = Number("fail_after_chunks"),
            ChunkBytes = Number("chunk_bytes") ?? 0,
            Tag = fake.TryGetProperty("tag", out var tag) && tag.ValueKind == JsonValueKind.String ? tag.GetString()! : stream.Tag,
        };
    }

    /// <summary>Writes the stream; returns how many content events went out before the end or the failure.</summary>
    public async Task<int> WriteAsync(HttpContext context, string model, bool includeUsage, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(cancellationToken);
        await Task.Delay(FirstChunkDelay, cancellationToken);
        for (var i = 0; i < Chunks; i++)
        {
            if (i > 0 && ChunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(ChunkDelay, cancellationToken);
            }

            if (FailAfterChunks == i)
            {
                // After a pause, so the events already sent are read before the connection is reset.
                context.Abort();
                return i;
            }

            await WriteEventAsync(context, ContentEvent(model, i), cancellationToken);
        }

        await WriteEventAsync(context, FinishEvent(model), cancellationToken);
        if (includeUsage)
        {
            await WriteEventAsync(context, UsageEvent(model), cancellationToken);
        }

        await WriteEventAsync(context, "[DONE]", cancellationToken);
        return Chunks;
    }

    /// <summary>The stream as OpenAI's Responses API sends it: typed, named events, the usage in <c>response.completed</c>, no <c>[DONE]</c>.</summary>
    public async Task<int> WriteResponsesAsync(HttpContext context, string model, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        var name = JsonSerializer.Serialize(model);
        await WriteNamedAsync(context, "response.created", $$$"""{"type":"response.created","sequence_number":0,"response":{"id":"resp_fake","object":"response","created_at":1700000000,"status":"in_progress","model":{{{name}}},"output":[]}}""", cancellationToken);
        for (var i = 0; i < Chunks; i++)
        {
            await WriteNamedAsync(context, "response.output_text.delta", $$$"""{"type":"response.output_text.delta","sequence_number":{{{i + 1}}},"item_id":"msg_fake","output_index":0,"content_index":0,"delta":{{{JsonSerializer.Serialize(Content(i))}}}}""", cancellationToken);
        }

        var text = JsonSerializer.Serialize(string.Concat(Enumerable.Range(0, Chunks).Select(Content)));
        var usage = $$$"""{"input_tokens":{{{PromptTokens}}},"output_tokens":{{{Chunks}}},"total_tokens":{{{PromptTokens + Chunks}}}}""";
        await WriteNamedAsync(context, "response.completed", $$$"""{"type":"response.completed","sequence_number":{{{Chunks + 1}}},"response":{"id":"resp_fake","object":"response","created_at":1700000000,"status":"completed","model":{{{name}}},"output":[{"type":"message","id":"msg_fake","status":"completed","role":"assistant","content":[{"type":"output_text","text":{{{text}}},"annotations":[]}]}],"usage":{{{usage}}}""" + "}}", cancellationToken);
        return Chunks;
    }

    private static async Task WriteNamedAsync(HttpContext context, string name, string data, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {data}\n\n"), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task WriteEventAsync(HttpContext context, string data, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {data}\n\n"), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>The text of content event <paramref name="index"/>.</summary>
    public string Content(int index)
    {
        var content = $"{Tag}{index} ";
        return ChunkBytes > content.Length ? content + new string('x', ChunkBytes - content.Length) : content;
    }

    private static string Chunk(string model, string choice) =>
        $$"""{"id":"chatcmpl-fake-stream","object":"chat.completion.chunk","created":1700000000,"model":{{JsonSerializer.Serialize(model)}},"choices":[{{choice}}]}""";
}
