using System.Globalization;
using RabbitMQ.Client;

namespace BrokerGateway.Hosting.Messaging;

/// <summary>One node of the broker: its host and port.</summary>
public readonly record struct BrokerNode(string Host, int Port)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}

/// <summary>
/// <c>RABBITMQ_URL</c> read: one amqp:// or amqps:// URL, or several separated by commas — the nodes
/// of one cluster, which a service connects to whichever answers, and to another when that one goes
/// away. The first URL gives the credentials and the virtual host; a later one names only its host
/// and port (or repeats the same credentials and virtual host).
/// </summary>
public sealed record BrokerAddress(Uri Url, IReadOnlyList<BrokerNode> Nodes)
{
    /// <summary>The nodes, without the credentials: what may be shown or logged.</summary>
    public override string ToString() => $"{Url.Scheme}://{string.Join(',', Nodes)}{Url.AbsolutePath}";

    /// <summary>Whether the broker is a cluster of several nodes.</summary>
    public bool IsCluster => Nodes.Count > 1;

    /// <summary>Every node as the RabbitMQ client connects to it (TLS for amqps://).</summary>
    public IReadOnlyList<AmqpTcpEndpoint> Endpoints() =>
        [.. Nodes.Select(n => new AmqpTcpEndpoint(n.Host, n.Port, new SslOption(n.Host, enabled: Url.Scheme == "amqps")))];

    /// <summary>The address, or false when <paramref name="text"/> is not one (see the class).</summary>
    public static bool TryParse(string? text, out BrokerAddress address)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0) || !TryParseOne(parts[0], out var first))
        {
            return false;
        }

        var nodes = new List<BrokerNode> { Node(first) };
        foreach (var part in parts.Skip(1))
        {
            if (!TryParseOne(part, out var other) || other.Scheme != first.Scheme
                || (other.UserInfo.Length > 0 && other.UserInfo != first.UserInfo)
                || (other.AbsolutePath.Trim('/').Length > 0 && other.AbsolutePath != first.AbsolutePath))
            {
                return false;
            }

            if (!nodes.Contains(Node(other)))
            {
                nodes.Add(Node(other));
            }
        }

        address = new BrokerAddress(first, nodes);
        return true;
    }

    /// <summary>An amqp:// or amqps:// URL whose path names at most one virtual host (<c>/</c>, <c>/name</c>, <c>/%2F</c>): what MassTransit and the RabbitMQ client accept.</summary>
    private static bool TryParseOne(string text, out Uri url)
    {
        url = null!;
        return Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == "amqp" || parsed.Scheme == "amqps")
            && parsed.Host.Length > 0
            && !parsed.AbsolutePath.Trim('/').Contains('/', StringComparison.Ordinal)
            && (url = parsed) is not null;
    }

    private static BrokerNode Node(Uri url) => new(url.Host, url.IsDefaultPort || url.Port < 0 ? (url.Scheme == "amqps" ? 5671 : 5672) : url.Port);
}
