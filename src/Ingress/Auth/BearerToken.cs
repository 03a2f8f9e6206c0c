namespace BrokerGateway.Ingress.Auth;

internal static class BearerToken
{
    /// <summary>
    /// The token of an <c>Authorization: Bearer</c> header, or — without one — of an
    /// <c>x-api-key</c> header, where Anthropic's SDKs send it; null if neither.
    /// </summary>
    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
        }

        return request.Headers["x-api-key"].ToString() is { Length: > 0 } key ? key.Trim() : null;
    }
}
