using System.Text.Json;
using BrokerGateway.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// Reads <c>METIS_API_TOKENS</c>, a JSON object (as in the seed's <c>.env</c>) or, in appsettings,
/// a section of endpoint_id → key. (Every other key is bound by the framework: <see cref="OptionsBinding.BindRoot"/>.)
/// </summary>
internal sealed class DispatcherOptionsSetup(IConfiguration configuration) : IConfigureOptions<DispatcherOptions>
{
    public void Configure(DispatcherOptions options) => ReadTokens(options);

    private void ReadTokens(DispatcherOptions options)
    {
        // A JSON value (environment, .env, command line) wins over an appsettings section: the
        // section form is the fallback when no such value is set.
        var section = configuration.GetSection(DispatcherOptions.ApiTokensKey);
        if (string.IsNullOrWhiteSpace(section.Value))
        {
            options.ApiTokens = section.GetChildren().ToDictionary(c => c.Key, c => c.Value ?? string.Empty, StringComparer.Ordinal);
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(section.Value);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                options.ApiTokensError = $"must be a JSON object of endpoint_id to key, not {document.RootElement.ValueKind}";
                return;
            }

            var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    options.ApiTokensError = $"the key for '{property.Name}' must be a string";
                    return;
                }

                tokens[property.Name] = property.Value.GetString()!;
            }

            options.ApiTokens = tokens;
        }
        catch (JsonException ex)
        {
            options.ApiTokensError = $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); expected an object of endpoint_id to key";
        }
    }
}

internal sealed class DispatcherOptionsValidator : IValidateOptions<DispatcherOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatcherOptions options)
    {
        var failures = new List<string>();
        if (options.ApiTokensError is { } error)
        {
            failures.Add($"{DispatcherOptions.ApiTokensKey}: {error}");
        }

        foreach (var (endpointId, key) in options.ApiTokens)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                failures.Add($"{DispatcherOptions.ApiTokensKey}: the key for '{endpointId}' is empty");
            }
        }

        Whole(options.Concurrency, 1, 10_000, DispatcherOptions.ConcurrencyKey, "a whole number");
        Whole(options.BatchConcurrency, 1, 10_000, DispatcherOptions.BatchConcurrencyKey, "a whole number");
        Whole(options.ConnectTimeoutSeconds, 1, 300, DispatcherOptions.ConnectTimeoutKey, "a whole number of seconds");
        Whole(options.HeartbeatSeconds, 1, 300, DispatcherOptions.HeartbeatKey, "a whole number of seconds");
        if (!(options.BreakerFailureRatio is > 0 and <= 1) || options.Unconvertible.Contains(DispatcherOptions.BreakerFailureRatioKey))
        {
            failures.Add($"{DispatcherOptions.BreakerFailureRatioKey}: must be a number above 0 and at most 1, such as 0.5");
        }

        Whole(options.BreakerMinimumCalls, 2, 1_000_000, DispatcherOptions.BreakerMinimumCallsKey, "a whole number");
        Whole(options.BreakerSamplingSeconds, 1, 3600, DispatcherOptions.BreakerSamplingKey, "a whole number of seconds");
        Whole(options.BreakerBreakSeconds, 1, 86_400, DispatcherOptions.BreakerBreakKey, "a whole number of seconds");
        Whole(options.DrainSeconds, 0, 3600, DispatcherOptions.DrainKey, "a whole number of seconds");
        Whole(options.AnthropicMaxTokens, 1, 1_000_000, DispatcherOptions.AnthropicMaxTokensKey, "a whole number of tokens");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Whole(int value, int min, int max, string key, string what)
        {
            if (value < min || value > max || options.Unconvertible.Contains(key))
            {
                failures.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{key}: must be {what} from {min} to {max}"));
            }
        }
    }
}
