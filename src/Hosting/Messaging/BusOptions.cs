using System.Globalization;
using BrokerGateway.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>Which transport the services talk over, and the bound of the endpoint queues.</summary>
public sealed class BusOptions : IReportsUnconvertible
{
    /// <summary>Configuration key of the broker's address; unset means MassTransit's in-memory transport.</summary>
    public const string RabbitMqUrlKey = "RABBITMQ_URL";

    /// <summary>Configuration key of the most requests that may wait in one endpoint's interactive queue.</summary>
    public const string QueueMaxLengthKey = "RABBITMQ_QUEUE_MAX_LENGTH";

    /// <summary>Configuration key of fair-share queueing, which every service reads: the ingress orders, the dispatchers' queues obey.</summary>
    public const string FairShareKey = "FairShare:Enabled";

    /// <summary><c>amqp://user:password@host:5672/vhost</c>, or null for the in-memory transport.</summary>
    [ConfigurationKeyName(RabbitMqUrlKey)]
    public string? RabbitMqUrl { get; set; }

    /// <summary>
    /// The most requests waiting (not yet taken by a dispatcher) in one endpoint's interactive queue;
    /// past it a request is refused at once (<c>queue_full</c>). 0: no bound. Over RabbitMQ it is
    /// the queue's own <c>x-max-length</c> with <c>x-overflow: reject-publish</c>, so it holds across
    /// ingress replicas; standalone each ingress counts its own.
    /// </summary>
    [ConfigurationKeyName(QueueMaxLengthKey)]
    public int QueueMaxLength { get; set; } = 10_000;

    /// <summary>
    /// Fair-share queueing: requests waiting for an endpoint are served in the order of their
    /// priority, which the ingress gives each from its account's fair-share standing. Over RabbitMQ
    /// the endpoint queues are declared as priority queues (<c>x-max-priority</c>), standalone each
    /// dispatcher orders what waits for its calls. Off: first come, first served.
    /// </summary>
    [ConfigurationKeyName(FairShareKey)]
    public bool FairShare { get; set; }

    public ISet<string> Unconvertible { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool UsesRabbitMq => !string.IsNullOrWhiteSpace(RabbitMqUrl);

    /// <summary>An amqp:// or amqps:// URL whose path names at most one virtual host (<c>/</c>, <c>/name</c>, <c>/%2F</c>): what MassTransit and the RabbitMQ client accept.</summary>
    public static bool TryParse(string? text, out Uri url)
    {
        url = null!;
        return Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == "amqp" || parsed.Scheme == "amqps")
            && !parsed.AbsolutePath.Trim('/').Contains('/', StringComparison.Ordinal)
            && (url = parsed) is not null;
    }
}

internal sealed class BusOptionsValidator(bool requireBroker) : IValidateOptions<BusOptions>
{
    public const int MaxQueueLength = 10_000_000;

    public ValidateOptionsResult Validate(string? name, BusOptions options)
    {
        var failures = new List<string>();
        if (options.QueueMaxLength is < 0 or > MaxQueueLength || options.Unconvertible.Contains(BusOptions.QueueMaxLengthKey))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{BusOptions.QueueMaxLengthKey}: must be a whole number from 0 (no bound) to {MaxQueueLength}"));
        }

        if (options.Unconvertible.Contains(BusOptions.FairShareKey))
        {
            failures.Add($"{BusOptions.FairShareKey}: must be true or false");
        }

        if (!options.UsesRabbitMq)
        {
            if (requireBroker)
            {
                failures.Add($"{BusOptions.RabbitMqUrlKey}: is required when this service runs in its own process (src/Standalone runs the whole gateway in one process without a broker)");
            }
        }
        else if (!BusOptions.TryParse(options.RabbitMqUrl, out _))
        {
            failures.Add($"{BusOptions.RabbitMqUrlKey}: must be an amqp:// or amqps:// URL such as amqp://guest:guest@localhost:5672/, with at most one virtual host in its path (/name, or /%2F for the vhost /)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
