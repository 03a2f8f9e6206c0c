using System.Text.Json;

namespace BrokerGateway.Dispatcher.Upstream;

/// <summary>
/// Takes an endpoint's key out of what its upstream sends back before the dispatcher relays it: an
/// upstream (or a proxy in front of it) that quotes the <c>Authorization</c> header it received in
/// an error body, or echoes it in an answer, would otherwise hand the gateway's key to a caller.
/// The key is replaced wherever it occurs, as written and as JSON would escape it. Keys shorter
/// than <see cref="MinimumKeyLength"/> characters are not searched for: they are not real keys, and
/// replacing them would garble ordinary text.
/// </summary>
internal sealed class KeyScrubber
{
    public const string Replacement = "[redacted]";

    /// <summary>Real provider keys are far longer; below this a "key" is a test value.</summary>
    public const int MinimumKeyLength = 8;

    private readonly string[] _forms;

    public KeyScrubber(string key)
    {
        if (key.Length < MinimumKeyLength)
        {
            _forms = [];
            return;
        }

        // The JSON-escaped form differs for a key with '/', '+', quotes or non-ASCII characters.
        var escaped = JsonSerializer.Serialize(key)[1..^1];
        _forms = escaped == key ? [key] : [key, escaped];
    }

    public static KeyScrubber None { get; } = new(string.Empty);

    public string Scrub(string text)
    {
        foreach (var form in _forms)
        {
            if (text.Contains(form, StringComparison.Ordinal))
            {
                text = text.Replace(form, Replacement, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
