using System.Text.Json;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects.Messages;
using BrokerGateway.Dispatcher.Dialects.Responses;
using BrokerGateway.Dispatcher.Streaming;
using BrokerGateway.Dispatcher.Upstream;

namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>
/// Azure OpenAI: OpenAI's bodies to <c>{url}/{route}</c> — a deployments URL
/// (<c>…/openai/deployments/{name}</c>) or a v1 URL (<c>…/openai/v1</c>) — with
/// <c>?api-version=</c> when the entry names one (a deployments URL must), and the key in
/// <c>api-key</c>. Its answers are OpenAI's; its errors (a content-filter refusal, a gateway's
/// <c>{"statusCode", "message"}</c>) are put into OpenAI's error shape, with Azure's details kept.
/// </summary>
internal sealed class AzureDialect : IUpstreamDialect
{
    public bool TakesOpenAiBodies(UpstreamRoute route) => OpenAiRoutes.TakeCallersBody(route);

    public UpstreamCall Prepare(ManifestEntry entry, string key, SubmitCompletion request, string body, bool stream)
    {
        var path = MessagesOverChat.Path(request.Route, request.Target);
        var url = $"{entry.Url}/{path}";
        var deployments = entry.Url.IndexOf("/openai/deployments/", StringComparison.OrdinalIgnoreCase);
        if (deployments >= 0 && (request.Route == UpstreamRoute.Responses || request.Route.IsResponseFollowUp()))
        {
            // Azure's Responses API is the resource's, not a deployment's: …/openai/responses.
            url = $"{entry.Url[..(deployments + "/openai".Length)]}/{path}";
            if (request.Route == UpstreamRoute.Responses)
            {
                body = ResponsesPassthrough.WithModel(body, entry.Url[(deployments + "/openai/deployments/".Length)..].Split('/')[0]);
            }
        }

        if (entry.ApiVersion is { } version)
        {
            url += $"{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}api-version={Uri.EscapeDataString(version)}";
        }

        return new UpstreamCall(new Uri(url), MessagesOverChat.Body(request.Route, body, stream, entry.StreamUsage), OpenAiDialect.Headers(entry, [new("api-key", key)]))
        {
            Method = UpstreamPaths.Method(request.Route),
        };
    }

    public (int Status, string Body)? ReadAnswer(UpstreamRoute route, int status, string body) =>
        MessagesOverChat.Answer(route, status, status < 400 ? body : ErrorBody(status, body));

    public IEventSource ReadEvents(UpstreamRoute route, IEventSource events) => OpenAiRoutes.Events(route, events);

    /// <summary>Azure's error in OpenAI's shape; a body that is not JSON is left for the ingress to wrap.</summary>
    internal static string ErrorBody(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (DialectJson.Value(root, "error") is { ValueKind: JsonValueKind.Object } error)
            {
                return DialectJson.Write((error, status), static (writer, e) =>
                {
                    writer.WriteStartObject();
                    writer.WriteStartObject("error");
                    writer.WriteString("message", DialectJson.String(e.error, "message") ?? $"Azure OpenAI answered HTTP {e.status}");
                    writer.WriteString("type", DialectJson.String(e.error, "type") ?? ErrorTypes.For(e.status));
                    writer.WriteString("param", DialectJson.String(e.error, "param"));
                    writer.WriteString("code", DialectJson.String(e.error, "code"));
                    if (DialectJson.Value(e.error, "innererror") is { } inner)
                    {
                        // The content filter's verdict per category: what a caller needs to see why.
                        writer.WritePropertyName("innererror");
                        inner.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                    writer.WriteEndObject();
                });
            }

            if (DialectJson.String(root, "message") is { } message)
            {
                // Azure's API gateway (a wrong key, a quota) answers {"statusCode": 401, "message": "…"}.
                return OpenAiError.Body(message, ErrorTypes.For(status), DialectJson.Value(root, "statusCode")?.ToString());
            }
        }
        catch (JsonException)
        {
        }

        return body;
    }
}
