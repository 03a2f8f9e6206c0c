using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// OpenAI's Responses API with its stored state, on loopback, as the real service keeps it: each
/// server stores the responses it made (unless <c>"store": false</c>) and knows no other's — a
/// <c>previous_response_id</c> it did not make is a 400 <c>previous_response_not_found</c>, a GET,
/// DELETE or <c>input_items</c> of one is a 404. A response's text names the server (its
/// <see cref="Tag"/>) and the turn of the conversation (1 + the turns before it), so a test sees
/// who answered and whether the conversation was continued. A bearer key is required.
/// <c>"stream": true</c> streams <c>response.created</c>, text deltas and <c>response.completed</c>.
/// </summary>
public sealed class FakeStoredResponsesServer(string tag) : ProviderServer
{
    private readonly ConcurrentDictionary<string, (string Response, string Input)> _stored = new(StringComparer.Ordinal);
    private int _next;

    public string Tag => tag;

    /// <summary>The base URL for a manifest entry (…/v1).</summary>
    public Uri BaseUrl => new(Root, "/v1");

    public IReadOnlyCollection<string> StoredIds => [.. _stored.Keys];

    public static async Task<FakeStoredResponsesServer> StartNewAsync(string tag)
    {
        var server = new FakeStoredResponsesServer(tag);
        await server.StartAsync();
        return server;
    }

    public static string Text(string tag, int turn) => $"{tag} answers turn {turn}";

    protected override async Task HandleAsync(HttpContext context, ProviderRequest request)
    {
        if (request.Header("authorization") is not { } bearer || !bearer.StartsWith("Bearer sk-", StringComparison.Ordinal))
        {
            await JsonAsync(context, 401, Error("Incorrect API key provided.", null, "invalid_api_key"));
            return;
        }

        var parts = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["v1", "responses", ..])
        {
            await JsonAsync(context, 404, Error($"Unknown path {request.Path}", null, null));
            return;
        }

        switch (request.Method, parts.Length > 2 ? parts[2] : null, parts.Length > 3 ? parts[3] : null)
        {
            case ("POST", null, null):
                await CreateAsync(context, request);
                break;
            case ("GET", { } id, null) when _stored.TryGetValue(id, out var held):
                await JsonAsync(context, 200, held.Response);
                break;
            case ("GET", { } id, "input_items") when _stored.TryGetValue(id, out var held):
                await JsonAsync(context, 200, InputItems(held.Input, request.Query));
                break;
            case ("DELETE", { } id, null) when _stored.TryRemove(id, out _):
                await JsonAsync(context, 200, $$"""{"id":"{{id}}","object":"response","deleted":true}""");
                break;
            case ("POST", { } id, "cancel") when _stored.ContainsKey(id):
                await JsonAsync(context, 400, Error("Only responses created with background=true can be cancelled.", null, null));
                break;
            case (_, { } id, _):
                await JsonAsync(context, 404, Error($"Response with id '{id}' not found.", null, null));
                break;
            default:
                await JsonAsync(context, 405, Error("Method not allowed.", null, null));
                break;
        }
    }

    private async Task CreateAsync(HttpContext context, ProviderRequest request)
    {
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        var turn = 1;
        if (root.TryGetProperty("previous_response_id", out var previous) && previous.ValueKind == JsonValueKind.String)
        {
            if (!_stored.TryGetValue(previous.GetString()!, out var before))
            {
                await JsonAsync(context, 400, Error($"Previous response with id '{previous.GetString()}' not found.", "previous_response_id", "previous_response_not_found"));
                return;
            }

            using var earlier = JsonDocument.Parse(before.Response);
            turn = int.Parse(earlier.RootElement.GetProperty("metadata").GetProperty("turn").GetString()!, System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        var id = $"resp_{tag}_{Interlocked.Increment(ref _next)}";
        var model = root.TryGetProperty("model", out var m) ? m.GetString() : "fake";
        var store = !(root.TryGetProperty("store", out var s) && s.ValueKind == JsonValueKind.False);
        var text = Text(tag, turn);
        var response = $$"""{"id":"{{id}}","object":"response","created_at":1700000000,"status":"completed","model":{{JsonSerializer.Serialize(model)}},"output":[{"type":"message","id":"msg_{{id}}","status":"completed","role":"assistant","content":[{"type":"output_text","text":"{{text}}","annotations":[]}]}],"previous_response_id":{{(previous.ValueKind == JsonValueKind.String ? JsonSerializer.Serialize(previous.GetString()) : "null")}},"store":{{(store ? "true" : "false")}},"metadata":{"turn":"{{turn}}"},"usage":{"input_tokens":9,"output_tokens":7,"total_tokens":16""" + "}}";
        if (store)
        {
            _stored[id] = (response, root.TryGetProperty("input", out var input) ? input.GetRawText() : "null");
        }

        if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            context.Response.ContentType = "text/event-stream";
            var inProgress = response.Replace("\"status\":\"completed\"", "\"status\":\"in_progress\"", StringComparison.Ordinal);
            await EventAsync(context, "response.created", $$"""{"type":"response.created","sequence_number":0,"response":{{inProgress}}}""");
            await EventAsync(context, "response.output_text.delta", $$"""{"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_{{id}}","output_index":0,"content_index":0,"delta":"{{text}}"}""");
            await EventAsync(context, "response.completed", $$"""{"type":"response.completed","sequence_number":2,"response":{{response}}}""");
            return;
        }

        await JsonAsync(context, 200, response);
    }

    /// <summary>The stored input as a list of items: a text input is one user message; items are listed as they came.</summary>
    private static string InputItems(string input, string query)
    {
        var items = input.StartsWith('[')
            ? input
            : $$"""[{"id":"msg_in","type":"message","role":"user","content":[{"type":"input_text","text":{{input}}}]}]""";
        return $$"""{"object":"list","data":{{items}},"has_more":false,"query":{{JsonSerializer.Serialize(query)}}""" + "}";
    }

    private static string Error(string message, string? param, string? code) =>
        $$"""{"error":{"message":{{JsonSerializer.Serialize(message)}},"type":"invalid_request_error","param":{{(param is null ? "null" : JsonSerializer.Serialize(param))}},"code":{{(code is null ? "null" : JsonSerializer.Serialize(code))}}""" + "}}";
}
