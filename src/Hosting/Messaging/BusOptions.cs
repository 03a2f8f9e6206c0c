using Microsoft.Extensions.Options;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>Which transport the services talk over.</summary>
public sealed class BusOptions
{
    /// <summary>Configuration key of the broker's address; unset means MassTransit's in-memory transport.</summary>
    public const string RabbitMqUrlKey = "RABBITMQ_URL";

    /// <summary><c>amqp://user:password@host:5672/vhost</c>, or null for the in-memory transport.</summary>
    public string? RabbitMqUrl { get; set; }

    public bool UsesRabbitMq => !string.IsNullOrWhiteSpace(RabbitMqUrl);

    public static bool TryParse(string? text, out Uri url)
    {
        url = null!;
        return Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == "amqp" || parsed.Scheme == "amqps")
            && (url = parsed) is not null;
    }
}

internal sealed class BusOptionsValidator(bool requireBroker) : IValidateOptions<BusOptions>
{
    public ValidateOptionsResult Validate(string? name, BusOptions options)
    {
        if (!options.UsesRabbitMq)
        {
            return requireBroker
                ? ValidateOptionsResult.Fail($"{BusOptions.RabbitMqUrlKey}: is required when this service runs in its own process (standalone mode runs it inside the ingress)")
                : ValidateOptionsResult.Success;
        }

        return BusOptions.TryParse(options.RabbitMqUrl, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{BusOptions.RabbitMqUrlKey}: must be an amqp:// or amqps:// URL such as amqp://guest:guest@localhost:5672/");
    }
}
