namespace BrokerGateway.Dispatcher.Dialects;

/// <summary>One HTTP call to an upstream, as its dialect wants it: where, with which headers (the key among them), and what body.</summary>
internal sealed record UpstreamCall(Uri Url, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers);
