namespace BrokerGateway.Contracts.Messages;

/// <summary>
/// Asks the dispatchers of one endpoint to call its upstream. <see cref="Body"/> is the caller's JSON,
/// passed through unchanged. A dispatcher never acts on a message past its <see cref="Deadline"/>.
/// </summary>
public sealed record SubmitCompletion(
    Guid RequestId,
    string EndpointId,
    UpstreamRoute Route,
    string Body,
    DateTimeOffset Deadline);
