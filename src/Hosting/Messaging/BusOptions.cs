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

    /// <summary>Configuration key of the type of the endpoint queues: <c>classic</c> or <c>quorum</c>.</summary>
    public const string QueueTypeKey = "RABBITMQ_QUEUE_TYPE";

    /// <summary>Configuration key of fair-share queueing, which every service reads: the ingress orders, the dispatchers' queues obey.</summary>
    public const string FairShareKey = "FairShare:Enabled";

    /// <summary><c>amqp://user:password@host:5672/vhost</c> — or several nodes of a cluster, comma-separated (see <see cref="BrokerAddress"/>) — or null for the in-memory transport.</summary>
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

    /// <summary>
    /// The type of the endpoints' queues, interactive and batch: <c>classic</c> (a single node
    /// holds each), or <c>quorum</c> (replicated over the cluster's nodes, available while a
    /// majority of them runs, so that a node that goes takes neither an endpoint's traffic nor its
    /// batch lines with it). RabbitMQ refuses to change the type of an existing queue.
    /// </summary>
    [ConfigurationKeyName(QueueTypeKey)]
    public string QueueType { get; set; } = ClassicQueues;

    public const string ClassicQueues = "classic";
    public const string QuorumQueues = "quorum";

    /// <summary>Whether the endpoint queues are quorum queues.</summary>
    public bool Quorum => string.Equals(QueueType, QuorumQueues, StringComparison.OrdinalIgnoreCase);

    public ISet<string> Unconvertible { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool UsesRabbitMq => !string.IsNullOrWhiteSpace(RabbitMqUrl);

    /// <summary>Whether <paramref name="configuration"/> puts the services on RabbitMQ (<c>RABBITMQ_URL</c> set), for choices made before the options are bound.</summary>
    public static bool UsesRabbitMqIn(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[RabbitMqUrlKey]);

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
        else if (!BrokerAddress.TryParse(options.RabbitMqUrl, out _))
        {
            failures.Add($"{BusOptions.RabbitMqUrlKey}: must be an amqp:// or amqps:// URL such as amqp://guest:guest@localhost:5672/, with at most one virtual host in its path (/name, or /%2F for the vhost /); "
                + "for a cluster, one URL per node separated by commas, the first with the credentials and virtual host, the others the same scheme and only their host and port (amqp://guest:guest@rabbit-1:5672/gw,amqp://rabbit-2:5672)");
        }

        if (!string.Equals(options.QueueType, BusOptions.ClassicQueues, StringComparison.OrdinalIgnoreCase) && !options.Quorum)
        {
            failures.Add($"{BusOptions.QueueTypeKey}: must be classic or quorum");
        }
        else if (options.Quorum && options.FairShare)
        {
            failures.Add($"{BusOptions.QueueTypeKey}: quorum cannot be combined with {BusOptions.FairShareKey}=true: fair share orders the endpoint queues by priority, which quorum queues do not offer (keep classic queues, or turn fair share off)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
