using System.Buffers;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Api;

/// <summary>
/// Reads a request body whole, refusing one over the configured limit with 413. A body that
/// cannot be read — malformed chunked framing, cut short, too slow — is the caller's error (4xx,
/// one warning line), and a caller that went away while sending it is a normal event (one debug line).
/// </summary>
internal sealed partial class RequestBodyReader(ILogger<RequestBodyReader> logger)
{
    public async Task<(byte[]? Body, ApiError? Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, ApiErrors.BodyTooLarge(limit));
        }

        // Content-Length is a claim, not bytes: start small whatever it says, and grow as bytes arrive.
        var initial = (int)Math.Min(Math.Min(request.ContentLength ?? 4096, limit), 64 * 1024);
        using var buffer = new MemoryStream(initial);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk.AsMemory(), cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, ApiErrors.BodyTooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ApiErrors.BodyTooLarge(limit));
        }
        catch (Exception ex) when (Unreadable(ex, request.HttpContext, logger) is { } error)
        {
            return (null, error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>
    /// What the caller gets for a body that could not be read, or null for an exception that is
    /// not about the body. A caller that left is logged at Debug; malformed or too slow framing as
    /// one warning line, without a stack trace.
    /// </summary>
    public static ApiError? Unreadable(Exception exception, HttpContext context, ILogger logger)
    {
        if (exception is not (IOException or OperationCanceledException))
        {
            return null;
        }

        if (ClientLeft(exception, context))
        {
            LogClientLeft(logger, context.TraceIdentifier);
            return ApiErrors.ClientClosedRequest();
        }

        if (exception is OperationCanceledException)
        {
            return null;
        }

        var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
        LogUnreadable(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", status, exception.Message);
        return ApiErrors.UnreadableBody(status, exception.Message);
    }

    /// <summary>
    /// Whether the body ended because the caller went away: the request is aborted, its connection
    /// was reset, or it closed before the body was complete (Kestrel may say so a moment before it
    /// marks the request aborted).
    /// </summary>
    private static bool ClientLeft(Exception exception, HttpContext context) =>
        context.RequestAborted.IsCancellationRequested
        || exception is Microsoft.AspNetCore.Connections.ConnectionResetException
        || (exception is BadHttpRequestException && exception.Message.StartsWith("Unexpected end of request content", StringComparison.Ordinal));

    /// <summary>
    /// Whether an exception that reached the exception handler came from reading the request's
    /// body: Kestrel's refusal of its framing, or its chunk size overflowing (a plain IOException).
    /// </summary>
    public static bool IsAboutTheBody(Exception? exception) =>
        exception is BadHttpRequestException || (exception is IOException && exception.InnerException is OverflowException);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Request {TraceId}: the client went away while sending its body")]
    private static partial void LogClientLeft(ILogger logger, string traceId);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Request body from {RemoteAddress} refused with {Status}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string remoteAddress, int status, string reason);
}
