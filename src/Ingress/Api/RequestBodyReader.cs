using System.Buffers;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Api;

/// <summary>Reads a request body whole, refusing one over the configured limit with 413.</summary>
public static class RequestBodyReader
{
    public static async Task<(byte[]? Body, ApiError? Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
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
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (buffer.ToArray(), null);
    }
}
