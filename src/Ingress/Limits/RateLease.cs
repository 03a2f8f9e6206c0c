using System.Globalization;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Ingress.Limits;

/// <summary>
/// What the rate limiter decided for one request: refused (<see cref="Error"/>), or admitted with
/// the token counters to correct once the upstream's <c>usage</c> is known. Carries the values of
/// OpenAI's <c>x-ratelimit-*</c> headers for the tightest limit that applies.
/// </summary>
internal sealed record RateLease(
    ApiError? Error,
    IReadOnlyList<string> TokenKeys,
    int EstimatedTokens,
    (long Limit, long Remaining)? Requests,
    (long Limit, long Remaining)? Tokens,
    int ResetSeconds,
    long Window = 0)
{
    public static readonly RateLease Unlimited = new(null, [], 0, null, null, 0);

    public void WriteHeaders(HttpResponse response)
    {
        var reset = ResetSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        if (Requests is var (limit, remaining))
        {
            response.Headers["x-ratelimit-limit-requests"] = limit.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-requests"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-reset-requests"] = reset;
        }

        if (Tokens is var (tokenLimit, tokensLeft))
        {
            response.Headers["x-ratelimit-limit-tokens"] = tokenLimit.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-tokens"] = Math.Max(0, tokensLeft).ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-reset-tokens"] = reset;
        }
    }
}
