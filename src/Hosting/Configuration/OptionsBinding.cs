using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Configuration;

/// <summary>Options whose validator reports, in its own words, a key the configuration binder could not convert.</summary>
public interface IReportsUnconvertible
{
    /// <summary>Keys whose value the binder could not convert to the property's type (a word where a number belongs).</summary>
    ISet<string> Unconvertible { get; }
}

public static partial class OptionsBinding
{
    /// <summary>
    /// Binds the options' flat keys — the properties named with <c>[ConfigurationKeyName]</c>, such as
    /// the seed's <c>DISPATCHER_CONCURRENCY</c> — from the configuration's root with the framework
    /// binder. A key set to an empty value counts as unset (as a compose file's <c>${X:-}</c> leaves
    /// it). A value the binder cannot convert does not throw where the options are first used: its
    /// key is recorded, and the options' validator says what the key must be — the same line an
    /// out-of-range value gets — when the service starts.
    /// </summary>
    public static OptionsBuilder<T> BindRoot<T>(this OptionsBuilder<T> builder)
        where T : class, IReportsUnconvertible =>
        builder.Configure<IConfiguration>((options, configuration) =>
        {
            var set = typeof(T).GetProperties()
                .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
                .OfType<string>()
                .Select(key => KeyValuePair.Create(key, configuration[key]))
                .Where(pair => !string.IsNullOrEmpty(pair.Value));
            try
            {
                new ConfigurationBuilder().AddInMemoryCollection(set).Build().Bind(options);
            }
            catch (InvalidOperationException ex) when (KeyOf(ex) is { } key)
            {
                options.Unconvertible.Add(key);
            }
        });

    /// <summary>
    /// The options' value, or their defaults while they are invalid — for settings the host reads as
    /// it is built (its shutdown timeout, the server's limits), before the start-up validation
    /// reports a bad value and stops the service.
    /// </summary>
    public static T ValueOrDefault<T>(IOptions<T> options)
        where T : class, new()
    {
        try
        {
            return options.Value;
        }
        catch (Exception ex) when (ex is OptionsValidationException || (ex is InvalidOperationException invalid && KeyOf(invalid) is not null))
        {
            return new T();
        }
    }

    /// <summary>The key a binder conversion failure names ("Failed to convert configuration value '…' at 'KEY' to type '…'").</summary>
    private static string? KeyOf(InvalidOperationException ex) =>
        BinderFailure().Match(ex.Message) is { Success: true } match ? match.Groups["key"].Value : null;

    [GeneratedRegex(@"^Failed to convert configuration value .* at '(?<key>[^']+)' to type ", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
