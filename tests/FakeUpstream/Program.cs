namespace BrokerGateway.FakeUpstream;

/// <summary><c>dotnet run --project tests/FakeUpstream -- --urls http://127.0.0.1:9100 [--no-record] [--fail-every N]</c>: serves until stopped.</summary>
public sealed class Program
{
    public static async Task Main(string[] args)
    {
        var url = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:9100";
        await using var server = await FakeUpstreamServer.StartAsync(url, record: !args.Contains("--no-record"));
        if (args.SkipWhile(a => a != "--fail-every").Skip(1).FirstOrDefault() is { } every)
        {
            server.Behavior = new FakeBehavior { FailEvery = int.Parse(every, System.Globalization.CultureInfo.InvariantCulture) };
        }

        await Console.Out.WriteLineAsync($"fake upstream listening on {server.BaseUrl}");
        var stop = new TaskCompletionSource();
        using var registration = server.Stopping.Register(stop.SetResult);
        await stop.Task;
    }
}
