namespace BrokerGateway.Ingress.Batches;

/// <summary>OpenAI's batch lifecycle: validating → in_progress → finalizing → completed; or failed, expired, cancelling → cancelled.</summary>
internal static class BatchStatus
{
    public const string Validating = "validating";
    public const string InProgress = "in_progress";
    public const string Finalizing = "finalizing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Expired = "expired";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";

    /// <summary>States a runner still has work in.</summary>
    public static readonly IReadOnlyList<string> Active = [Validating, InProgress, Finalizing, Cancelling];
}
