using System.Net.Http.Headers;
using System.Text;
using Testcontainers.RabbitMq;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// A real RabbitMQ for one test: a throwaway virtual host on the broker <c>RABBITMQ_URL</c> names
/// (made and deleted through the management API), else a Testcontainers broker where a Docker
/// engine exists, else the test is skipped with the reason — unless
/// <c>BROKERGATEWAY_TESTS_REQUIRE_BROKER</c> is set (test.sh sets it), in which case it fails.
/// </summary>
public sealed class Broker : IAsyncDisposable
{
    public const string RequireVariable = "BROKERGATEWAY_TESTS_REQUIRE_BROKER";
    private readonly Func<ValueTask> _release;
    private readonly HttpClient? _management;
    private readonly string? _vhost;

    private Broker(string amqpUrl, Func<ValueTask> release, HttpClient? management = null, string? vhost = null)
    {
        AmqpUrl = amqpUrl;
        _release = release;
        _management = management;
        _vhost = vhost;
    }

    /// <summary>The amqp URL of this test's own virtual host.</summary>
    public string AmqpUrl { get; }

    public static async Task<Broker> AcquireAsync()
    {
        var url = Environment.GetEnvironmentVariable("RABBITMQ_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            return await CreateVirtualHostAsync(new Uri(url));
        }

        string reason;
        try
        {
            var container = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
            await container.StartAsync();
            return new Broker(container.GetConnectionString(), () => container.DisposeAsync());
        }
        catch (Exception ex)
        {
            reason = $"RABBITMQ_URL is not set and Testcontainers could not start a broker ({ex.GetType().Name}); run ./test.sh, which provides one";
        }

        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            throw new InvalidOperationException(reason);
        }

        Skip.If(true, reason);
        throw new InvalidOperationException("unreachable");
    }

    private static async Task<Broker> CreateVirtualHostAsync(Uri amqp)
    {
        var management = new Uri(Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_URL") is { Length: > 0 } m
            ? m
            : $"http://{amqp.UserInfo}@{amqp.Host}:15672/");
        var credentials = Uri.UnescapeDataString(string.IsNullOrEmpty(management.UserInfo) ? amqp.UserInfo : management.UserInfo);
        var user = credentials.Split(':')[0];
        var client = new HttpClient { BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority)) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));

        var vhost = $"bgtest-{Guid.NewGuid():N}";
        (await client.PutAsync($"/api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await client.PutAsync($"/api/permissions/{vhost}/{Uri.EscapeDataString(user)}", permissions)).EnsureSuccessStatusCode();

        var url = new UriBuilder(amqp) { Path = "/" + vhost }.Uri.ToString();
        return new Broker(
            url,
            async () =>
            {
                using (client)
                {
                    await client.DeleteAsync($"/api/vhosts/{vhost}");
                }
            },
            client,
            vhost);
    }

    /// <summary>What the management API says of a queue of this test's virtual host (its <c>type</c>, <c>arguments</c>, <c>messages</c> …).</summary>
    public async Task<System.Text.Json.JsonElement> QueueAsync(string name)
    {
        Skip.If(_management is null, "the queue's type is read through the management API of the broker RABBITMQ_URL names");
        var response = await _management!.GetAsync($"/api/queues/{_vhost}/{Uri.EscapeDataString(name)}");
        response.EnsureSuccessStatusCode();
        return await Json.ReadAsync(response);
    }

    public ValueTask DisposeAsync() => _release();
}
