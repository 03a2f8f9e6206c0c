namespace BrokerGateway.Bench;

/// <summary>Scrapes a gateway's <c>/metrics</c> every 5 s while it lives, as Prometheus would, counting the scrapes and the failed ones.</summary>
public sealed class MetricsScraper : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _scrapes;
    private int _failures;

    public MetricsScraper(Uri gateway) => _loop = LoopAsync(new Uri(gateway, "/metrics"));

    public int Scrapes => Volatile.Read(ref _scrapes);

    public int Failures => Volatile.Read(ref _failures);

    private async Task LoopAsync(Uri metrics)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    using var response = await _client.GetAsync(metrics, _stop.Token);
                    await response.Content.ReadAsByteArrayAsync(_stop.Token);
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _scrapes : ref _failures);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _failures);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        _stop.Dispose();
        _client.Dispose();
    }
}
