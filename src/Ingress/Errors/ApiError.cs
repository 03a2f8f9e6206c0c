using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BrokerGateway.Ingress.Errors;

/// <summary>
/// An error as OpenAI shapes it — <c>{"error": {"message", "type", "param", "code"}}</c> — with the
/// HTTP status it goes out with. Every error the gateway itself answers is one of these.
/// </summary>
public sealed record ApiError(int Status, string Type, string? Code, string Message, string? Param = null, int? RetryAfterSeconds = null)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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

        await using var writer = new Utf8JsonWriter(context.Response.Body, WriterOptions);
        WriteBody(writer);
        // Not the request's token: a caller leaving now makes the write a no-op, not an exception.
        await writer.FlushAsync(CancellationToken.None);
    }

    public void WriteBody(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", Message);
        writer.WriteString("type", Type);
        WriteNullable(writer, "param", Param);
        WriteNullable(writer, "code", Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public IResult ToResult() => new ApiErrorResult(this);

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private sealed class ApiErrorResult(ApiError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
    }
}
