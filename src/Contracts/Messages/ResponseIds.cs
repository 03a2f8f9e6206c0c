namespace BrokerGateway.Contracts.Messages;

public static class ResponseIds
{
    /// <summary>
    /// Whether a response id can go into an upstream's path as it is: letters, digits, '_' and '-',
    /// as OpenAI's (<c>resp_…</c>) are. The ingress refuses any other; the dispatcher builds no path
    /// from one.
    /// </summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 256 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
