using System.Globalization;
using System.Text.Json;

namespace BrokerGateway.Ingress.Errors;

/// <summary>
/// An error as OpenAI shapes it — <c>{"error": {"message", "type", "param", "code"}}</c> — with the
/// HTTP status it goes out with. Every error the gateway itself answers is one of these.
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
        await JsonSerializer.SerializeAsync(context.Response.Body, Envelope, ErrorsJson.Gateway.ErrorEnvelope, CancellationToken.None);
    }

    /// <summary>The body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    public ErrorEnvelope Envelope => new(new ErrorDetail(Message, Type, Param, Code));

    /// <summary>The body as a string, for an event stream's last event.</summary>
    public string ToJson() => JsonSerializer.Serialize(Envelope, ErrorsJson.Gateway.ErrorEnvelope);

    public IResult ToResult() => new ApiErrorResult(this);

    private sealed class ApiErrorResult(ApiError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
    }
}
