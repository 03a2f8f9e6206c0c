namespace BrokerGateway.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes: synchronisation without fixed sleeps.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met in time: {what ?? "(unnamed)"}; last value: {last}");
            }

            await Task.Delay(50);
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        Until(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
