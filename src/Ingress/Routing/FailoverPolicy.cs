using BrokerGateway.Contracts.Messages;

namespace BrokerGateway.Ingress.Routing;

/// <summary>
/// The one list of what fails over. Tried on the next endpoint: unreachable upstreams (connection
/// refused, DNS or TLS failure, connection closed before any response byte), upstream 429, 500,
/// 502, 503 and 504, an endpoint no dispatcher serves, and — unless turned off — an attempt
/// timeout. Everything else (400, 401, 403, 404, 409, 413, 422, …) is returned as it is.
/// </summary>
internal static class FailoverPolicy
{
    private static readonly int[] RetryableStatuses = [429, 500, 502, 503, 504];

    public static bool IsSuccess(CompletionResult result) =>
        result.Outcome == CompletionOutcome.Answered && result.StatusCode is >= 200 and < 300;

    public static bool IsRetryable(CompletionResult result, bool failoverOnAttemptTimeout) => result.Outcome switch
    {
        CompletionOutcome.Unreachable or CompletionOutcome.NotServed => true,
        CompletionOutcome.TimedOut => failoverOnAttemptTimeout,
        _ => RetryableStatuses.Contains(result.StatusCode),
    };

    /// <summary>Whether the failure says something against the endpoint (and so counts towards its cooldown).</summary>
    public static bool CountsAgainstEndpoint(CompletionResult result) => result.Outcome != CompletionOutcome.NotServed;

    /// <summary>A short name for the failure, shown in list-endpoints as the last error kind.</summary>
    public static string Kind(CompletionResult result) => result.Outcome switch
    {
        CompletionOutcome.Unreachable => "unreachable",
        CompletionOutcome.TimedOut => "timeout",
        CompletionOutcome.NotServed => "not_served",
        _ => $"http_{result.StatusCode}",
    };
}
