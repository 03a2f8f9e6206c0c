namespace BrokerGateway.FakeUpstream;

/// <summary>What the fake upstream saw of one request.</summary>
public sealed record ReceivedRequest(string Method, string Path, string? Authorization, string Body, DateTimeOffset At)
{
    /// <summary>Set when the caller went away before the answer was sent.</summary>
    public bool Aborted { get; set; }

    /// <summary>For a stream: how many content events were sent before it ended or failed.</summary>
    public int? ChunksSent { get; set; }
}
