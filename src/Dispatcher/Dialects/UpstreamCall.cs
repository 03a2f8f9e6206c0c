namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>One HTTP call to an upstream, as its dialect wants it: where, with which headers (the key among them), and what body — POSTed, unless <see cref="Method"/> says otherwise (a follow-up of a stored response: a GET or DELETE without a body).</summary>
internal sealed record UpstreamCall(Uri Url, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public HttpMethod Method { get; init; } = HttpMethod.Post;
}
