using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Dispatcher;

/// <summary>
/// Binds the dispatcher's flat keys. <c>METIS_API_TOKENS</c> is a JSON object (as in the seed's
/// <c>.env</c>) or, in appsettings, a section of endpoint_id → key.
/// </summary>
internal sealed class DispatcherOptionsSetup(IConfiguration configuration) : IConfigureOptions<DispatcherOptions>
{
    public void Configure(DispatcherOptions options)
    {
        ReadTokens(options);
        if (configuration[DispatcherOptions.EndpointsKey] is { Length: > 0 } endpoints)
        {
            options.Endpoints = endpoints.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        options.Concurrency = ReadInt(DispatcherOptions.ConcurrencyKey, options.Concurrency);
        options.BatchConcurrency = ReadInt(DispatcherOptions.BatchConcurrencyKey, options.BatchConcurrency);
        options.ConnectTimeoutSeconds = ReadInt(DispatcherOptions.ConnectTimeoutKey, options.ConnectTimeoutSeconds);
        options.HeartbeatSeconds = ReadInt(DispatcherOptions.HeartbeatKey, options.HeartbeatSeconds);
        options.BreakerFailureRatio = ReadDouble(DispatcherOptions.BreakerFailureRatioKey, options.BreakerFailureRatio);
        options.BreakerMinimumCalls = ReadInt(DispatcherOptions.BreakerMinimumCallsKey, options.BreakerMinimumCalls);
        options.BreakerSamplingSeconds = ReadInt(DispatcherOptions.BreakerSamplingKey, options.BreakerSamplingSeconds);
        options.BreakerBreakSeconds = ReadInt(DispatcherOptions.BreakerBreakKey, options.BreakerBreakSeconds);
    }

    private int ReadInt(string key, int fallback) =>
        configuration[key] is { Length: > 0 } text ? (int.TryParse(text, out var value) ? value : -1) : fallback;

    private double ReadDouble(string key, double fallback) =>
        configuration[key] is { Length: > 0 } text
            ? (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : double.NaN)
            : fallback;

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

        if (options.Concurrency is < 1 or > 10_000)
        {
            failures.Add($"{DispatcherOptions.ConcurrencyKey}: must be a whole number from 1 to 10000");
        }

        if (options.BatchConcurrency is < 1 or > 10_000)
        {
            failures.Add($"{DispatcherOptions.BatchConcurrencyKey}: must be a whole number from 1 to 10000");
        }

        if (options.ConnectTimeoutSeconds is < 1 or > 300)
        {
            failures.Add($"{DispatcherOptions.ConnectTimeoutKey}: must be a whole number of seconds from 1 to 300");
        }

        if (options.HeartbeatSeconds is < 1 or > 300)
        {
            failures.Add($"{DispatcherOptions.HeartbeatKey}: must be a whole number of seconds from 1 to 300");
        }

        if (!(options.BreakerFailureRatio is > 0 and <= 1))
        {
            failures.Add($"{DispatcherOptions.BreakerFailureRatioKey}: must be a number above 0 and at most 1, such as 0.5");
        }

        if (options.BreakerMinimumCalls is < 2 or > 1_000_000)
        {
            failures.Add($"{DispatcherOptions.BreakerMinimumCallsKey}: must be a whole number from 2 to 1000000");
        }

        if (options.BreakerSamplingSeconds is < 1 or > 3600)
        {
            failures.Add($"{DispatcherOptions.BreakerSamplingKey}: must be a whole number of seconds from 1 to 3600");
        }

        if (options.BreakerBreakSeconds is < 1 or > 86_400)
        {
            failures.Add($"{DispatcherOptions.BreakerBreakKey}: must be a whole number of seconds from 1 to 86400");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
