namespace BrokerGateway.Ingress.Pipeline;

/// <summary>
/// Which endpoint made each stored response (the Responses API keeps a response at the upstream
/// that made it, and only there): the pipeline records it when a response is made and looks it up
/// for a request that continues or follows up one, so that the request goes to that endpoint.
/// </summary>
internal interface IResponseMemory
{
    /// <summary>Where a response of <paramref name="owner"/>'s is held; null when it is none of theirs, or unknown.</summary>
    Task<ResponseOrigin?> FindAsync(string owner, string responseId, CancellationToken cancellationToken);

    /// <summary>Records the response an endpoint answered with, unless it says it is not stored (<c>"store": false</c>) or names no id.</summary>
    Task RememberAsync(string owner, string model, string endpointId, string answer, CancellationToken cancellationToken);

    Task ForgetAsync(string owner, string responseId, CancellationToken cancellationToken);
}

/// <summary>The endpoint that holds a stored response, and the model it was made for.</summary>
internal sealed record ResponseOrigin(string EndpointId, string Model);
