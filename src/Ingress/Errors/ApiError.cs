using System.Globalization;
using System.Text.Json;

namespace BrokerGateway.Ingress.Errors;

/// <summary>
/// An error as OpenAI shapes it — <c>{"error": {"message", "type", "param", "code"}}</c> — with the
/// HTTP status it goes out with. Every error the gateway itself answers is one of these. On the
/// Messages API's routes (<c>…/messages</c>) it is written in Anthropic's shape instead, so that
/// Anthropic's SDKs read it: <c>{"type": "error", "error": {"type", "message"}}</c>.
/// </summary>
internal sealed record ApiError(int Status, string Type, string? Code, string Message, string? Param = null, int? RetryAfterSeconds = null)
{
    /// <summary>Writes the error unless the response has started or the caller has gone, in which case nothing can be said any more.</summary>
    public async Task WriteAsync(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = Status;
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.ContentType = "application/json";
        if (RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        // Not the request's token: a caller leaving now makes the write a no-op, not an exception.
        if (SpeaksAnthropic(context.Request.Path))
        {
            await JsonSerializer.SerializeAsync(context.Response.Body, AnthropicEnvelope, ErrorsJson.Gateway.AnthropicErrorEnvelope, CancellationToken.None);
        }
        else
        {
            await JsonSerializer.SerializeAsync(context.Response.Body, Envelope, ErrorsJson.Gateway.ErrorEnvelope, CancellationToken.None);
        }
    }

    /// <summary>Whether a path is one of the Messages API's, whose callers read Anthropic's error shape.</summary>
    public static bool SpeaksAnthropic(PathString path) =>
        path.Value is { } value && (value.EndsWith("/messages", StringComparison.Ordinal) || value.EndsWith("/messages/count_tokens", StringComparison.Ordinal));

    /// <summary>Anthropic's shape: its error type for the status (and the gateway's code, which it has no field for, left out).</summary>
    public AnthropicErrorEnvelope AnthropicEnvelope => new("error", new AnthropicErrorDetail(AnthropicType, Message));

    private string AnthropicType => Status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    /// <summary>The body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    public ErrorEnvelope Envelope => new(new ErrorDetail(Message, Type, Param, Code));

    /// <summary>The body as a string, for an event stream's last event.</summary>
    public string ToJson() => JsonSerializer.Serialize(Envelope, ErrorsJson.Gateway.ErrorEnvelope);

    /// <summary>The Responses API's <c>error</c> event: <c>{"type": "error", "code", "message", "param"}</c>.</summary>
    public string ToResponsesEventJson() => JsonSerializer.Serialize(new ResponsesErrorEvent("error", Code, Message, Param), ErrorsJson.Gateway.ResponsesErrorEvent);

    /// <summary>The body in Anthropic's shape, for a Messages stream's <c>error</c> event.</summary>
    public string ToAnthropicJson() => JsonSerializer.Serialize(AnthropicEnvelope, ErrorsJson.Gateway.AnthropicErrorEnvelope);

    public IResult ToResult() => new ApiErrorResult(this);

    private sealed class ApiErrorResult(ApiError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
    }
}
