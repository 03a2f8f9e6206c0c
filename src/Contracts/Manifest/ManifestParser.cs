using System.Text.Json;
using System.Text.RegularExpressions;

namespace BrokerGateway.Contracts.Manifest;

/// <summary>
/// Reads a status manifest and validates it entry by entry against the field table of the
/// direct-API guide: status, model, description, experts, url and endpoint_id are all required.
/// Fields it does not know are ignored, so operators can annotate entries freely.
/// </summary>
public static partial class ManifestParser
{
    /// <summary>The largest <c>max_concurrency</c> an entry may set (a dispatcher's own concurrency has the same cap).</summary>
    public const int MaxConcurrencyLimit = 10_000;

    public static ManifestParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            return ManifestParseResult.Broken($"the manifest is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ManifestParseResult.Broken($"the manifest must be a JSON object of entries, not {document.RootElement.ValueKind}");
            }

            var entries = new List<ManifestEntry>();
            var problems = new List<ManifestProblem>();
            var endpointOwners = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var entry = ParseEntry(property.Name, property.Value, problems);
                if (entry is null)
                {
                    continue;
                }

                if (endpointOwners.TryGetValue(entry.EndpointId, out var owner))
                {
                    problems.Add(new ManifestProblem(entry.Name, "endpoint_id", $"'{entry.EndpointId}' is already used by entry '{owner}'"));
                    continue;
                }

                endpointOwners[entry.EndpointId] = entry.Name;
                entries.Add(entry);
            }

            return new ManifestParseResult(new StatusManifest(entries), problems, null);
        }
    }

    private static ManifestEntry? ParseEntry(string name, JsonElement value, List<ManifestProblem> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ManifestProblem(name, "(entry)", "must be a JSON object"));
            return null;
        }

        var before = problems.Count;
        var statusText = RequiredString(name, value, "status", problems);
        EndpointStatus status = default;
        if (statusText is not null && !TryParseStatus(statusText, out status))
        {
            problems.Add(new ManifestProblem(name, "status", $"'{statusText}' is not one of Live, Offline, Maintenance"));
        }

        var model = RequiredString(name, value, "model", problems);
        var description = RequiredString(name, value, "description", problems, allowEmpty: true);
        var experts = RequiredExperts(name, value, problems);
        var url = RequiredString(name, value, "url", problems);
        if (url is not null && !IsSupportedUrl(url))
        {
            problems.Add(new ManifestProblem(name, "url", "must be an absolute http(s) URL, or mock://<name> for the built-in mock provider"));
        }

        var endpointId = RequiredString(name, value, "endpoint_id", problems);
        if (endpointId is not null && !EndpointIdPattern().IsMatch(endpointId))
        {
            problems.Add(new ManifestProblem(name, "endpoint_id", "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"));
        }

        var weight = 1.0;
        if (value.TryGetProperty("weight", out var w) && w.ValueKind != JsonValueKind.Null
            && (w.ValueKind != JsonValueKind.Number || !w.TryGetDouble(out weight) || !double.IsFinite(weight) || weight <= 0 || weight > 1_000_000))
        {
            problems.Add(new ManifestProblem(name, "weight", "must be a number greater than 0 (default 1)"));
        }

        string[]? allowedGroups = null;
        if (value.TryGetProperty("allowed_groups", out var groups) && groups.ValueKind != JsonValueKind.Null)
        {
            if (groups.ValueKind != JsonValueKind.Array || groups.EnumerateArray().Any(g => g.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(g.GetString())))
            {
                problems.Add(new ManifestProblem(name, "allowed_groups", "must be an array of group names"));
            }
            else
            {
                allowedGroups = groups.EnumerateArray().Select(g => g.GetString()!).ToArray();
            }
        }

        var streamUsage = true;
        if (value.TryGetProperty("stream_usage", out var usage) && usage.ValueKind != JsonValueKind.Null)
        {
            if (usage.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                streamUsage = usage.GetBoolean();
            }
            else
            {
                problems.Add(new ManifestProblem(name, "stream_usage", "must be true or false (default true)"));
            }
        }

        int? maxConcurrency = null;
        if (value.TryGetProperty("max_concurrency", out var concurrency) && concurrency.ValueKind != JsonValueKind.Null)
        {
            if (concurrency.ValueKind == JsonValueKind.Number && concurrency.TryGetInt32(out var limit) && limit is >= 1 and <= MaxConcurrencyLimit)
            {
                maxConcurrency = limit;
            }
            else
            {
                problems.Add(new ManifestProblem(name, "max_concurrency", $"must be a whole number from 1 to {MaxConcurrencyLimit} (calls at once per dispatcher)"));
            }
        }

        var api = OptionalChoice(name, value, "api", ApiNames, problems) ?? UpstreamApi.OpenAi;
        var apiVersion = OptionalText(name, value, "api_version", problems);
        if (api == UpstreamApi.Azure && apiVersion is null && url is not null && url.Contains("/openai/deployments/", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ManifestProblem(name, "api_version", "is required for an Azure deployments URL (it is sent as ?api-version=)"));
        }

        var headers = OptionalHeaders(name, value, problems);
        var responses = OptionalChoice(name, value, "responses", ResponsesNames, problems);
        if (api == UpstreamApi.Anthropic && responses == ResponsesMode.Native)
        {
            problems.Add(new ManifestProblem(name, "responses", "cannot be native for an anthropic entry: Anthropic has no Responses API (leave it out, or say translate)"));
        }

        if (problems.Count > before)
        {
            return null;
        }

        return new ManifestEntry(name, status, model!, description!, experts!, url!.TrimEnd('/'), endpointId!, weight, allowedGroups, streamUsage, maxConcurrency,
            api, apiVersion, headers, responses);
    }

    private static readonly Dictionary<string, UpstreamApi> ApiNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = UpstreamApi.OpenAi,
        ["azure"] = UpstreamApi.Azure,
        ["anthropic"] = UpstreamApi.Anthropic,
    };

    private static readonly Dictionary<string, ResponsesMode> ResponsesNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["native"] = ResponsesMode.Native,
        ["translate"] = ResponsesMode.Translate,
    };

    /// <summary>
    /// Headers an entry may not set: the key goes in the header its dialect expects, from
    /// <c>METIS_API_TOKENS</c> (never from a manifest, which is not secret), and the framing
    /// headers are the HTTP client's.
    /// </summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "api-key", "x-api-key", "Proxy-Authorization", "Cookie",
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Accept", "traceparent",
    };

    private static T? OptionalChoice<T>(string entry, JsonElement value, string field, Dictionary<string, T> names, List<ManifestProblem> problems)
        where T : struct
    {
        if (!value.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String && names.TryGetValue(element.GetString()!, out var choice))
        {
            return choice;
        }

        problems.Add(new ManifestProblem(entry, field, $"must be one of {string.Join(", ", names.Keys.Select(k => $"\"{k}\""))}"));
        return null;
    }

    private static string? OptionalText(string entry, JsonElement value, string field, List<ManifestProblem> problems)
    {
        if (!value.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String && element.GetString() is { } text && !string.IsNullOrWhiteSpace(text) && text.Length <= 100
            && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
        {
            return text;
        }

        problems.Add(new ManifestProblem(entry, field, "must be a version such as \"2024-10-21\" (letters, digits, '-', '.', '_')"));
        return null;
    }

    private static Dictionary<string, string>? OptionalHeaders(string entry, JsonElement value, List<ManifestProblem> problems)
    {
        if (!value.TryGetProperty("headers", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ManifestProblem(entry, "headers", "must be an object of header names and string values"));
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in element.EnumerateObject())
        {
            if (!HeaderNamePattern().IsMatch(header.Name))
            {
                problems.Add(new ManifestProblem(entry, "headers", $"'{header.Name}' is not a valid header name"));
                return null;
            }

            if (ReservedHeaders.Contains(header.Name))
            {
                problems.Add(new ManifestProblem(entry, "headers", $"must not set {header.Name}: the dispatcher sends the key (from METIS_API_TOKENS) and the framing headers itself"));
                return null;
            }

            if (header.Value.ValueKind != JsonValueKind.String || header.Value.GetString()!.Any(c => c < ' ' || c == '\x7f'))
            {
                problems.Add(new ManifestProblem(entry, "headers", $"{header.Name} must be a string without control characters"));
                return null;
            }

            headers[header.Name] = header.Value.GetString()!;
        }

        return headers.Count > 0 ? headers : null;
    }

    private static string? RequiredString(string entry, JsonElement value, string field, List<ManifestProblem> problems, bool allowEmpty = false)
    {
        if (!value.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new ManifestProblem(entry, field, "is required"));
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            problems.Add(new ManifestProblem(entry, field, $"must be a string, not {element.ValueKind}"));
            return null;
        }

        var text = element.GetString()!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(text))
        {
            problems.Add(new ManifestProblem(entry, field, "must not be empty"));
            return null;
        }

        return text;
    }

    private static string[]? RequiredExperts(string entry, JsonElement value, List<ManifestProblem> problems)
    {
        if (!value.TryGetProperty("experts", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new ManifestProblem(entry, "experts", "is required"));
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new ManifestProblem(entry, "experts", $"must be an array of model ids, not {element.ValueKind}"));
            return null;
        }

        var experts = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                problems.Add(new ManifestProblem(entry, "experts", "every item must be a non-empty string"));
                return null;
            }

            experts.Add(item.GetString()!);
        }

        if (experts.Count == 0)
        {
            problems.Add(new ManifestProblem(entry, "experts", "must list at least one model id"));
            return null;
        }

        return experts.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Exactly one of the three names (any letter case): no numbers, lists or padding.</summary>
    private static bool TryParseStatus(string text, out EndpointStatus status)
    {
        foreach (var candidate in Enum.GetValues<EndpointStatus>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    private static bool IsSupportedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == ManifestEntry.MockScheme)
        && !string.IsNullOrEmpty(uri.Host);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex EndpointIdPattern();

    /// <summary>An HTTP token (RFC 9110): the characters a header name may have.</summary>
    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]
    private static partial Regex HeaderNamePattern();
}
