using System.Globalization;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Api;

/// <summary>The <c>limit</c> of a list route's page, as OpenAI's list APIs take it: a whole number in a range, with a default.</summary>
internal static class PageLimit
{
    public static (int Limit, ApiError? Error) Read(IQueryCollection query, int fallback, int max)
    {
        if (query["limit"] is not { Count: > 0 } text)
        {
            return (fallback, null);
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 && limit <= max
            ? (limit, null)
            : (0, ApiErrors.InvalidValue("limit", $"'limit' must be a whole number from 1 to {max}."));
    }
}
